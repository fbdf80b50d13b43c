//! Throwaway keys and certificates for the client-authentication tests,
//! made with the `openssl` command (scripts/test installs it): a CA, a
//! server certificate for 127.0.0.1, a client certificate the CA issued,
//! a self-signed client certificate, and bare RSA and EC private keys in
//! the PEM forms people have (PKCS#8, PKCS#1, SEC1). Files are 0600.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A directory of generated PEM files.
pub struct Pki {
    pub dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): scripts/test installs it"));
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Pki {
    /// Generates everything in `dir`.
    pub fn new(dir: &Path) -> Pki {
        std::fs::create_dir_all(dir).unwrap();
        // Each line one openssl command; `%` stands for a subject's space.
        let run = |line: &str| {
            let args: Vec<String> = line.split(' ').map(|a| a.replace('%', " ")).collect();
            openssl(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
        };
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        run(&format!(
            "req -x509 {ec} -keyout ca.key -out ca.pem -days 1 -subj /CN=tokctl%test%CA"
        ));
        for (name, subj, ext) in [
            ("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\n"),
            ("client", "/CN=tokctl-mtls", "extendedKeyUsage=clientAuth\n"),
        ] {
            std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
            run(&format!(
                "req {ec} -keyout {name}.key -out {name}.csr -subj {subj}"
            ));
            run(&format!(
                "x509 -req -in {name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out {name}.pem -days 1 -extfile {name}.ext"
            ));
        }
        for line in [
            &format!(
                "req -x509 {ec} -keyout self.key -out self.pem -days 1 -subj /CN=tokctl-mtls-self"
            )[..],
            "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-pkcs8.key",
            "rsa -in rsa-pkcs8.key -traditional -out rsa-pkcs1.key",
            "req -new -x509 -key rsa-pkcs8.key -subj /CN=tokctl-jwt -days 1 -out rsa-pkcs8.crt",
            "x509 -in rsa-pkcs8.crt -outform der -out rsa-pkcs8.der",
            "ecparam -name prime256v1 -genkey -noout -out ec-sec1.key",
            "pkcs8 -topk8 -nocrypt -in ec-sec1.key -out ec-pkcs8.key",
            "ecparam -name prime256v1 -genkey -noout -out unregistered.key",
        ] {
            run(line);
        }
        #[cfg(unix)]
        for e in std::fs::read_dir(dir).unwrap() {
            use std::os::unix::fs::PermissionsExt;
            let p = e.unwrap().path();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        Pki {
            dir: dir.to_path_buf(),
        }
    }

    /// The SHA-1 and SHA-256 thumbprints (base64url) of certificate `name`
    /// (made beside it as `name` with `.der` for `.crt`): an assertion's
    /// `x5t` and `x5t#S256`.
    pub fn thumbprints(&self, name: &str) -> (String, String) {
        use base64::Engine;
        let der = std::fs::read(self.dir.join(name.replace(".crt", ".der"))).unwrap();
        let b64 = |d: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d);
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
        let sha256 = ring::digest::digest(&ring::digest::SHA256, &der);
        (b64(sha1.as_ref()), b64(sha256.as_ref()))
    }

    /// A file in the directory, as a string for command lines.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// The environment that makes the OIDC test server speak HTTPS with
    /// client certificates and register the mTLS clients.
    pub fn tls_server_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OIDC_TLS_CERT", self.path("server.pem")),
            ("OIDC_TLS_KEY", self.path("server.key")),
            ("OIDC_TLS_CA", self.path("ca.pem")),
            ("OIDC_SELF_SIGNED_CERT", self.path("self.pem")),
        ]
    }

    /// `OIDC_CLIENT_KEYS` registering the RSA and EC keys (not `unregistered.key`).
    pub fn client_keys_env(&self) -> (&'static str, String) {
        (
            "OIDC_CLIENT_KEYS",
            format!(
                "{},{}",
                self.path("rsa-pkcs8.key"),
                self.path("ec-sec1.key")
            ),
        )
    }
}

//! A fake Kubernetes API server on HTTPS, for kubectl's exec credential
//! plugin tests: kubectl runs a plugin only for a TLS server, so it gets a
//! throwaway certificate (made by `openssl`) that the kubeconfig trusts as
//! `certificate-authority`. It answers `GET /api/v1/namespaces` for a
//! token the issuer accepts right now, and 401 otherwise.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

type Validator = dyn Fn(&str) -> bool + Send + Sync;

/// One running server; its accept thread ends with the test process.
pub struct KubeServer {
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// The PEM certificate kubectl must trust.
    pub ca: PathBuf,
    seen: Arc<Mutex<Vec<(String, bool)>>>,
}

impl KubeServer {
    /// Starts a server with a new certificate written under `dir`.
    pub fn start(dir: &Path, valid: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        let (cert, key) = (dir.join("kube-cert.pem"), dir.join("kube-key.pem"));
        let out = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ])
            .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("run openssl (scripts/test installs it)");
        assert!(
            out.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let certs = CertificateDer::pem_file_iter(&cert)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(&key).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let valid: Arc<Validator> = Arc::new(valid);
        {
            let seen = seen.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let (config, seen, valid) = (config.clone(), seen.clone(), valid.clone());
                    std::thread::spawn(move || serve(stream, config, &seen, valid.as_ref()));
                }
            });
        }
        KubeServer {
            url: format!("https://127.0.0.1:{port}"),
            ca: cert,
            seen,
        }
    }

    /// The bearer tokens presented so far, with whether each was let in.
    pub fn seen(&self) -> Vec<(String, bool)> {
        self.seen.lock().unwrap().clone()
    }

    /// A kubeconfig for this server whose user runs `args` of `tokctl`
    /// as its exec plugin, speaking `api_version`.
    pub fn kubeconfig(&self, tokctl: &Path, args: &[&str], api_version: &str) -> String {
        let args: Vec<String> = args.iter().map(|a| format!("\"{a}\"")).collect();
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\n    certificate-authority: {}\n\
             users:\n- name: work\n  user:\n    exec:\n      apiVersion: {api_version}\n      command: {}\n      args: [{}]\n      interactiveMode: Never\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: work\ncurrent-context: fake\n",
            self.url,
            self.ca.display(),
            tokctl.display(),
            args.join(", ")
        )
    }
}

fn serve(
    tcp: std::net::TcpStream,
    config: Arc<rustls::ServerConfig>,
    seen: &Mutex<Vec<(String, bool)>>,
    valid: &Validator,
) {
    let conn = rustls::ServerConnection::new(config).unwrap();
    let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    // One request per connection (`Connection: close`), which kubectl handles.
    let mut request_line = String::new();
    if tls.read_line(&mut request_line).is_err() {
        return;
    }
    let mut token = None;
    loop {
        let mut line = String::new();
        if tls.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("authorization")
        {
            token = v.trim().strip_prefix("Bearer ").map(str::to_string);
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    let ok = token.as_deref().is_some_and(valid);
    if let Some(t) = token {
        seen.lock().unwrap().push((t, ok));
    }
    let (status, body) = if !ok {
        ("401 Unauthorized", r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#.to_string())
    } else if path == "/api/v1/namespaces" {
        ("200 OK", r#"{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"tokctl-test"}}]}"#.to_string())
    } else {
        ("404 Not Found", r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#.to_string())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let stream = tls.get_mut();
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
    stream.conn.send_close_notify();
    let _ = stream.flush();
}

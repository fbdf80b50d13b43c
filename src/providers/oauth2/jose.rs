//! RFC 7523 client assertions: the JWTs that `client-secret-jwt` and
//! `private-key-jwt` send instead of a client secret.
//!
//! The signing is ring's (already in the tree for TLS): RS256 (RSASSA
//! PKCS#1 v1.5 with SHA-256) and ES256 (P-256, the fixed-size `r || s` form
//! JWS wants) from a PEM private key, HS256 with the client secret. The key
//! PEM is parsed by `rustls-pki-types`, which knows PKCS#8, PKCS#1 and SEC1.
//!
//! A key is identified by its RFC 7638 JWK thumbprint (SHA-256 over the
//! canonical JSON of the public members, base64url), which is what the
//! `kid` of a JWK set registered at the server is usually set to, and what
//! Okta and Keycloak compute when they import a key. A key given with its
//! certificate is also named by the certificate's thumbprints (`x5t`,
//! `x5t#S256`), which is how Entra ID finds a certificate credential; the
//! certificate is parsed by `rustls-webpki` (rustls's own parser).

use crate::secret::Secret;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The longest an assertion is valid (RFC 7523 §3 asks for a short life;
/// servers reject long ones).
pub const LIFETIME_SECS: i64 = 60;

/// The `client_assertion_type` of RFC 7523 §2.2.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A client's private key, ready to sign. `Debug` shows only its type
/// and thumbprint.
pub struct ClientKey {
    pair: Pair,
    kid: String,
    /// The thumbprints of the key's certificate, for servers that find the
    /// key by its certificate (see [`CertThumbprints`]).
    cert: Option<CertThumbprints>,
}

/// The SHA-1 and SHA-256 thumbprints of a certificate's DER, base64url: an
/// assertion names its key's certificate with them (`x5t`, `x5t#S256`),
/// which is how Entra ID finds a certificate credential. Not secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertThumbprints {
    /// `x5t`: SHA-1, what Entra ID has always read.
    pub sha1: String,
    /// `x5t#S256`: SHA-256.
    pub sha256: String,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKey")
            .field("alg", &self.alg())
            .field("kid", &self.kid)
            .finish()
    }
}

impl ClientKey {
    /// Parses a PEM private key: RSA (PKCS#1 or PKCS#8) or EC P-256 (SEC1
    /// or PKCS#8). The error says what is wrong without quoting the file.
    pub fn from_pem(pem: &Secret<String>) -> Result<ClientKey, String> {
        let der = PrivateKeyDer::from_pem_slice(pem.expose().as_bytes()).map_err(|_| {
            "it holds no PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
                .to_string()
        })?;
        let unsupported = || {
            "it is neither an RSA key nor an EC key on curve P-256 (the kinds RS256 and ES256 sign with)"
                .to_string()
        };
        let rng = SystemRandom::new();
        let pair = match &der {
            PrivateKeyDer::Pkcs1(k) => {
                Pair::Rsa(RsaKeyPair::from_der(k.secret_pkcs1_der()).map_err(|e| rsa_rejected(&e))?)
            }
            PrivateKeyDer::Sec1(k) => {
                let pkcs8 = sec1_to_pkcs8(k.secret_sec1_der());
                Pair::Ec(
                    EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &pkcs8,
                        &rng,
                    )
                    .map_err(|_| unsupported())?,
                )
            }
            PrivateKeyDer::Pkcs8(k) => {
                let der = k.secret_pkcs8_der();
                match RsaKeyPair::from_pkcs8(der) {
                    Ok(rsa) => Pair::Rsa(rsa),
                    Err(rsa_err) => EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        der,
                        &rng,
                    )
                    .map(Pair::Ec)
                    .map_err(|_| match rsa_err.to_string().as_str() {
                        "WrongAlgorithm" => unsupported(),
                        _ => rsa_rejected(&rsa_err),
                    })?,
                }
            }
            _ => return Err(unsupported()),
        };
        let kid = thumbprint(&pair);
        let mut key = ClientKey {
            pair,
            kid,
            cert: None,
        };
        // A certificate beside the key (`--client-cert` at login, or a
        // combined PEM file) names the key in every assertion.
        if pem.expose().contains("-----BEGIN CERTIFICATE-----") {
            key.cert = Some(key.certificate(pem.expose())?);
        }
        Ok(key)
    }

    /// The thumbprints of `pem`'s (first) certificate, after checking that
    /// it certifies this key (a PEM may hold both). The error says what is wrong without quoting
    /// the file.
    fn certificate(&self, pem: &str) -> Result<CertThumbprints, String> {
        let der = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|_| "it holds no PEM certificate (BEGIN CERTIFICATE)".to_string())?;
        let cert = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| format!("its certificate cannot be read ({e})"))?;
        // The SubjectPublicKeyInfo ends with the key's public bytes (RSA:
        // the RSAPublicKey DER; EC: the uncompressed point).
        let public: &[u8] = match &self.pair {
            Pair::Rsa(k) => k.public().as_ref(),
            Pair::Ec(k) => k.public_key().as_ref(),
        };
        if !cert.subject_public_key_info().as_ref().ends_with(public) {
            return Err("its certificate is for another key than --client-key".into());
        }
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der.as_ref());
        Ok(CertThumbprints {
            sha1: b64(sha1.as_ref()),
            sha256: b64(&Sha256::digest(der.as_ref())),
        })
    }

    /// The thumbprints of the certificate that came with the key, if any.
    pub fn cert(&self) -> Option<&CertThumbprints> {
        self.cert.as_ref()
    }

    /// The JWS algorithm this key signs with.
    pub fn alg(&self) -> &'static str {
        match self.pair {
            Pair::Rsa(_) => "RS256",
            Pair::Ec(_) => "ES256",
        }
    }

    /// The key's RFC 7638 thumbprint, its `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

fn rsa_rejected(e: &ring::error::KeyRejected) -> String {
    format!(
        "the RSA key is not usable ({}; RS256 needs 2048 to 8192 bits)",
        e
    )
}

/// Wraps a SEC1 `ECPrivateKey` (RFC 5915, what `openssl ecparam -genkey`
/// writes) in the PKCS#8 structure ring reads, for P-256: the same framing
/// rustls uses for its own SEC1 keys until ring reads SEC1 itself.
fn sec1_to_pkcs8(sec1: &[u8]) -> Vec<u8> {
    // INTEGER 0, SEQUENCE { id-ecPublicKey, prime256v1 }
    const PREFIX: &[u8] = b"\x02\x01\x00\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07";
    let octets = der_wrap(0x04, sec1);
    der_wrap(0x30, &[PREFIX, &octets].concat())
}

/// A DER tag-length-value.
fn der_wrap(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// RFC 7638 §3: SHA-256 over the required public members in lexical order,
/// without whitespace.
fn thumbprint(pair: &Pair) -> String {
    let canonical = match pair {
        Pair::Rsa(k) => {
            let c = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(k.public());
            format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, b64(&c.e), b64(&c.n))
        }
        Pair::Ec(k) => {
            // The uncompressed point: 0x04, then x and y of 32 bytes each.
            let point = k.public_key().as_ref();
            format!(
                r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
                b64(&point[1..33]),
                b64(&point[33..65])
            )
        }
    };
    b64(&Sha256::digest(canonical.as_bytes()))
}

/// What signs an assertion.
pub enum Signer<'a> {
    /// `client_secret_jwt`: HMAC SHA-256 keyed with the client secret.
    Secret(&'a Secret<String>),
    /// `private_key_jwt`.
    Key(&'a ClientKey),
}

/// A fresh assertion for `client_id` at audience `aud`, issued `now`
/// (Unix seconds): new `jti` every time, `exp` [`LIFETIME_SECS`] later.
pub fn assertion(signer: &Signer<'_>, client_id: &str, aud: &str, now: i64) -> String {
    let rng = SystemRandom::new();
    let mut jti = [0u8; 18];
    rng.fill(&mut jti).expect("the system RNG works");
    let header = match signer {
        Signer::Secret(_) => json!({"alg": "HS256", "typ": "JWT"}),
        Signer::Key(k) => {
            let mut h = json!({"alg": k.alg(), "typ": "JWT", "kid": k.kid()});
            if let Some(c) = &k.cert {
                h["x5t"] = json!(c.sha1);
                h["x5t#S256"] = json!(c.sha256);
            }
            h
        }
    };
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "jti": b64(&jti),
        "iat": now,
        "exp": now + LIFETIME_SECS,
    });
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = match signer {
        Signer::Secret(s) => {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, s.expose().as_bytes());
            ring::hmac::sign(&key, input.as_bytes()).as_ref().to_vec()
        }
        Signer::Key(k) => match &k.pair {
            Pair::Rsa(rsa) => {
                let mut sig = vec![0; rsa.public().modulus_len()];
                rsa.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &rng,
                    input.as_bytes(),
                    &mut sig,
                )
                .expect("RSA signing with a checked key succeeds");
                sig
            }
            Pair::Ec(ec) => ec
                .sign(&rng, input.as_bytes())
                .expect("ECDSA signing with a checked key succeeds")
                .as_ref()
                .to_vec(),
        },
    };
    format!("{input}.{}", b64(&sig))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// An EC key made with `openssl ecparam -genkey` for this test only,
    /// and its thumbprint as Node's JWK export computes it.
    const EC_SEC1: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIIZJvDMTVn83qi1I4DKpi30jjHTWK1c/sptDG2uyK+aUoAoGCCqGSM49
AwEHoUQDQgAEzleiMJhnwdNJcSygY7LfxYl1yjUwFv88JGgHwnZjyJK1a0ob7k7S
ivFCza4Z2Qx69SOX5oReqRv7Ne7lTwVz8Q==
-----END EC PRIVATE KEY-----
";
    const EC_KID: &str = "eAekHR2WjNXEV2Qd55g-fjiFa9cWuYZm28rDJsaBbTQ";

    fn parts(jwt: &str) -> (Value, Value, Vec<u8>) {
        let d = |s: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap()
        };
        let p: Vec<&str> = jwt.split('.').collect();
        assert_eq!(p.len(), 3);
        (
            serde_json::from_slice(&d(p[0])).unwrap(),
            serde_json::from_slice(&d(p[1])).unwrap(),
            d(p[2]),
        )
    }

    #[test]
    fn es256_from_sec1_verifies_and_has_the_claims() {
        let key = ClientKey::from_pem(&Secret::new(EC_SEC1.into())).unwrap();
        assert_eq!(key.alg(), "ES256");
        assert_eq!(key.kid(), EC_KID, "RFC 7638 thumbprint");
        let jwt = assertion(&Signer::Key(&key), "cli", "https://as/token", 1000);
        let (h, c, sig) = parts(&jwt);
        assert_eq!(h["kid"], key.kid());
        assert_eq!(c["iss"], "cli");
        assert_eq!(c["sub"], "cli");
        assert_eq!(c["aud"], "https://as/token");
        assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
        let Pair::Ec(ec) = &key.pair else { panic!() };
        let public = signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            ec.public_key().as_ref(),
        );
        let input = jwt.rsplit_once('.').unwrap().0;
        public
            .verify(input.as_bytes(), &sig)
            .expect("signature verifies");
        let again = assertion(&Signer::Key(&key), "cli", "https://as/token", 1000);
        assert_ne!(parts(&again).1["jti"], c["jti"], "a new jti each time");
    }

    /// Self-signed certificates (`openssl req -new -x509`) for the EC key
    /// above and for another key, and the first one's thumbprints as
    /// `openssl x509 -outform der | openssl dgst -sha1 / -sha256` give them.
    const EC_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBgjCCASmgAwIBAgIUYCPHXx9ahF+xD1T5g202e2zc5EgwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLdG9rY3RsLXRlc3QwIBcNMjYxMjAyMDAzNjQyWhgPMjEyNjEx
MDgwMDM2NDJaMBYxFDASBgNVBAMMC3Rva2N0bC10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEzleiMJhnwdNJcSygY7LfxYl1yjUwFv88JGgHwnZjyJK1a0ob
7k7SivFCza4Z2Qx69SOX5oReqRv7Ne7lTwVz8aNTMFEwHQYDVR0OBBYEFK1rQ0HL
np9TWe/edNjlM20Tz9KJMB8GA1UdIwQYMBaAFK1rQ0HLnp9TWe/edNjlM20Tz9KJ
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgdpQKvBOdRefE4rAo
f16BxYXtVn4+BvrpjtbeyrAXn/kCID9+5HZCPtkbImwWGJEedXc9KBS82W3x+xw0
ZQ7sUQAi
-----END CERTIFICATE-----
";
    const OTHER_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBeDCCAR2gAwIBAgIUI5B4EKBeZygZ2zvWC3omsr3s+x4wCgYIKoZIzj0EAwIw
EDEOMAwGA1UEAwwFb3RoZXIwIBcNMjYxMjAyMDAzNjQyWhgPMjEyNjExMDgwMDM2
NDJaMBAxDjAMBgNVBAMMBW90aGVyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
Vffge3Aki47609Ql90UstqZoyLKM8vWBjJ/bxJKYvNvMJe3luPPTKt+gyPab9c4/
NkRI90BkCj8h1Ph4gXutE6NTMFEwHQYDVR0OBBYEFIN6/RFqZNJEm8MYtZVfCVk5
LVyBMB8GA1UdIwQYMBaAFIN6/RFqZNJEm8MYtZVfCVk5LVyBMA8GA1UdEwEB/wQF
MAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAMB7Wi/Kd3m4bcaR/3KNtnkmvCHSC3rG
OkuQjN6+kVpRAiEAwVwRIQu1pJVnR8UdrMJoWrJahy/r0kEqtATsdIuQvjI=
-----END CERTIFICATE-----
";
    const EC_CERT_SHA1: &str = "vdZgzC5iY-HYQIgaGRFE8TYS6Ws";
    const EC_CERT_SHA256: &str = "YAA3-SAAVM5PPw2blHNJFZA_eoKXozQKYqYJeMkPX1I";

    #[test]
    fn a_certificate_names_the_key_in_the_header() {
        let key = ClientKey::from_pem(&Secret::new(format!("{EC_SEC1}{EC_CERT}"))).unwrap();
        let t = key.cert().unwrap();
        assert_eq!(
            (t.sha1.as_str(), t.sha256.as_str()),
            (EC_CERT_SHA1, EC_CERT_SHA256)
        );
        let (h, _, _) = parts(&assertion(&Signer::Key(&key), "c", "a", 0));
        assert_eq!(h["x5t"], EC_CERT_SHA1);
        assert_eq!(h["x5t#S256"], EC_CERT_SHA256);
        assert_eq!(h["kid"], EC_KID, "the kid stays the key's thumbprint");
        let plain = ClientKey::from_pem(&Secret::new(EC_SEC1.into())).unwrap();
        let (h, _, _) = parts(&assertion(&Signer::Key(&plain), "c", "a", 0));
        assert!(h.get("x5t").is_none(), "{h}");
    }

    #[test]
    fn a_certificate_of_another_key_or_a_broken_one_is_refused() {
        let key = ClientKey::from_pem(&Secret::new(EC_SEC1.into())).unwrap();
        let e = key.certificate(OTHER_CERT).unwrap_err();
        assert!(e.contains("another key"), "{e}");
        let e = key.certificate(EC_SEC1).unwrap_err();
        assert!(
            e.contains("no PEM certificate") && !e.contains("MHcC"),
            "{e}"
        );
    }

    #[test]
    fn hs256_matches_a_known_mac() {
        let secret = Secret::new("s3cret".to_string());
        let jwt = assertion(&Signer::Secret(&secret), "c", "a", 0);
        let (h, _, sig) = parts(&jwt);
        assert_eq!(h["alg"], "HS256");
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"s3cret");
        let input = jwt.rsplit_once('.').unwrap().0;
        ring::hmac::verify(&key, input.as_bytes(), &sig).unwrap();
    }

    #[test]
    fn rejects_what_is_not_a_key_without_quoting_it() {
        for bad in [
            "not a pem",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        ] {
            let e = ClientKey::from_pem(&Secret::new(bad.into())).unwrap_err();
            assert!(!e.contains(bad), "{e}");
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = ClientKey::from_pem(&Secret::new(EC_SEC1.into())).unwrap();
        let d = format!("{key:?}");
        assert!(d.contains("ES256") && d.contains(key.kid()), "{d}");
        assert!(!d.contains("MHcC"));
    }
}

//! The one-time values of an authorization request: the PKCE verifier and
//! its S256 challenge (RFC 7636), `state` and `nonce`.
//!
//! All come from the OS random source, 32 bytes each (256 bits, the RFC 7636
//! §7.1 recommendation), base64url without padding: 43 characters from the
//! unreserved set. `plain` PKCE is never offered: it protects nothing
//! against an attacker who can read the authorization request.

use crate::error::{Failure, Kind};
use crate::secret::Secret;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 32 random bytes, base64url.
pub fn random_token() -> Result<String, Failure> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| {
        Failure::new(
            Kind::Unexpected,
            format!("the system random number generator failed: {e}"),
        )
    })?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// A PKCE pair.
pub struct Pkce {
    /// Sent only to the token endpoint, with the code.
    pub verifier: Secret<String>,
    /// `BASE64URL(SHA256(verifier))`, sent in the authorization request.
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair.
    pub fn new() -> Result<Self, Failure> {
        let verifier = random_token()?;
        let challenge = s256(&verifier);
        Ok(Pkce {
            verifier: Secret::new(verifier),
            challenge,
        })
    }
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn fresh_values_are_unreserved_and_distinct() {
        let a = Pkce::new().unwrap();
        let b = Pkce::new().unwrap();
        assert_ne!(a.verifier, b.verifier);
        let v = a.verifier.expose();
        assert_eq!(v.len(), 43);
        assert!(
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(a.challenge, s256(v));
    }
}

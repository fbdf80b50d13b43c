//! The OAuth endpoints a profile knows, held once: `Endpoints` and the one
//! table (field, profile-file key, metadata key, `info` label) that loading,
//! saving, discovery and `info` all walk, so that a new endpoint is one row
//! here rather than an edit in every one of them.

/// One endpoint's names: in the profile file, in the server's metadata
/// (OpenID Connect discovery, RFC 8414), and in `info`.
#[derive(Debug)]
pub struct EndpointNames {
    /// The profile-file key, e.g. `token_url`.
    pub key: &'static str,
    /// The metadata key, e.g. `token_endpoint`.
    pub metadata: &'static str,
    /// The name `info` shows, e.g. `token`.
    pub label: &'static str,
}

/// Declares [`Endpoints`] from one table, so that a new endpoint is one
/// row: its field, profile-file key, metadata key and `info` label.
macro_rules! endpoint_table {
    ($($field:ident => $key:literal, $metadata:literal, $label:literal;)*) => {
        /// The OAuth endpoints a profile knows: given explicitly, or found
        /// in the server's metadata at login and remembered.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Endpoints {
            $(#[doc = concat!("`", $key, "` in the profile file, `", $metadata, "` in metadata.")]
            pub $field: Option<String>,)*
        }

        impl Endpoints {
            /// Every endpoint's names, in table order.
            pub const NAMES: &'static [EndpointNames] = &[$(EndpointNames {
                key: $key,
                metadata: $metadata,
                label: $label,
            }),*];

            /// Each endpoint's names with its value, in table order.
            pub fn iter(&self) -> impl Iterator<Item = (&'static EndpointNames, &Option<String>)> {
                Self::NAMES.iter().zip([$(&self.$field),*])
            }

            /// Each endpoint's names with its slot, in table order.
            pub fn iter_mut(
                &mut self,
            ) -> impl Iterator<Item = (&'static EndpointNames, &mut Option<String>)> {
                Self::NAMES.iter().zip([$(&mut self.$field),*])
            }
        }
    };
}

endpoint_table! {
    token => "token_url", "token_endpoint", "token";
    auth => "auth_url", "authorization_endpoint", "authorization";
    device => "device_url", "device_authorization_endpoint", "device";
    revocation => "revocation_url", "revocation_endpoint", "revocation";
    introspection => "introspection_url", "introspection_endpoint", "introspection";
    userinfo => "userinfo_url", "userinfo_endpoint", "userinfo";
    // RFC 9126 pushed authorization requests.
    par => "par_url", "pushed_authorization_request_endpoint", "pushed authorization";
}

impl Endpoints {
    /// Fills the endpoints not known yet from `found`: explicit ones win.
    pub fn fill(&mut self, mut found: Endpoints) {
        for ((_, mine), (_, theirs)) in self.iter_mut().zip(found.iter_mut()) {
            if mine.is_none() {
                *mine = theirs.take();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_keeps_what_is_known() {
        let mut mine = Endpoints {
            token: Some("https://mine/token".into()),
            ..Endpoints::default()
        };
        mine.fill(Endpoints {
            token: Some("https://theirs/token".into()),
            par: Some("https://theirs/par".into()),
            ..Endpoints::default()
        });
        assert_eq!(mine.token.as_deref(), Some("https://mine/token"));
        assert_eq!(mine.par.as_deref(), Some("https://theirs/par"));
        assert_eq!(mine.auth, None);
    }
}

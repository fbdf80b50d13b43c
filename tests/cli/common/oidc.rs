//! placeholder until the OIDC fixture lands

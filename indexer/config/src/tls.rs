//! Outbound TLS (JSON-RPC and webhooks): rustls with the ring provider, trusting the
//! Mozilla roots bundled in the binary (`webpki-roots`) and any `tls.extra_ca_files`.
//! Nothing is read from the system's certificate store and nothing is fetched at run time.

use std::{path::PathBuf, sync::Arc};

use rustls::pki_types::{CertificateDer, pem::PemObject};
use serde::{Deserialize, Serialize};

use crate::{ConfigError, invalid};

/// The `[tls]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM files of further CA certificates to trust besides the bundled roots (a private
    /// RPC's CA, a test's self-signed certificate); relative to the config file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_ca_files: Vec<PathBuf>,
}

impl TlsConfig {
    /// A client configuration trusting the bundled roots and `extra_ca_files`, for
    /// `reqwest::ClientBuilder::tls_backend_preconfigured`.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, ConfigError> {
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        for (i, file) in self.extra_ca_files.iter().enumerate() {
            let key = format!("tls.extra_ca_files[{i}]");
            let certs = CertificateDer::pem_file_iter(file)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| invalid(&key, format!("cannot read {}: {e}", file.display())))?;
            if certs.is_empty() {
                return Err(invalid(key, format!("{} holds no CERTIFICATE", file.display())));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| {
                    invalid(&key, format!("{}: not a usable CA certificate: {e}", file.display()))
                })?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("tls", e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth())
    }
}

/// Installs ring as the process's default rustls provider (idempotent). reqwest 0.13 needs
/// one to build any client, and clients built without [`TlsConfig::client_config`] (alloy's
/// `connect_http`, tools, tests) would otherwise panic; call it first thing in `main`.
pub fn install_crypto_provider() {
    // An error means a provider is installed already, which is all that is needed.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_ca_files_are_checked_naming_the_key() {
        let dir = std::env::temp_dir().join(format!("cointent-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        for file in [dir.join("missing.pem"), empty] {
            let tls = TlsConfig { extra_ca_files: vec![file.clone()] };
            let err = tls.client_config().unwrap_err().to_string();
            assert!(err.contains("`tls.extra_ca_files[0]`"), "{}: {err}", file.display());
        }
        assert!(TlsConfig::default().client_config().is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

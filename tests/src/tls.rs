//! A loopback TLS terminator: what an `https://` RPC provider or webhook receiver looks like
//! to the indexer, in front of a plain-HTTP server (an anvil, a test's receiver).
//!
//! [`TlsProxy::start`] makes a fresh self-signed certificate for `127.0.0.1` and
//! `localhost` (rcgen), listens on a free loopback port, and for each connection completes
//! the TLS handshake and copies bytes both ways to the upstream address. The test trusts the
//! certificate by writing it out ([`TlsProxy::write_cert`]) for `tls.extra_ca_files`.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use eyre::{Context, eyre};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    },
};

/// A running terminator; stops when dropped.
pub struct TlsProxy {
    addr: SocketAddr,
    cert_pem: String,
    handshakes: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for TlsProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsProxy").field("addr", &self.addr).finish()
    }
}

impl TlsProxy {
    /// Terminates TLS on a free loopback port in front of `upstream`, an `http://host:port`
    /// URL (a path is ignored: the bytes go through unchanged).
    pub async fn start(upstream: &str) -> eyre::Result<Self> {
        let authority = upstream
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| eyre!("{upstream} is not an http:// URL"))?;
        let upstream: SocketAddr =
            authority.parse().wrap_err_with(|| format!("{authority} is not an address"))?;
        let certified =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])?;
        let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(certified.cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(key),
            )?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let handshakes = Arc::new(AtomicU64::new(0));
        let counted = handshakes.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (acceptor, counted) = (acceptor.clone(), counted.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends here.
                    let Ok(mut tls) = acceptor.accept(client).await else { return };
                    counted.fetch_add(1, Ordering::Relaxed);
                    let Ok(mut plain) = TcpStream::connect(upstream).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        Ok(Self { addr, cert_pem: certified.cert.pem(), handshakes, task })
    }

    /// `https://127.0.0.1:<port>` followed by `path` (`""` for the root).
    pub fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// The certificate, PEM-encoded.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Writes the certificate to `dir/<port>.pem`; its path.
    pub fn write_cert(&self, dir: &Path) -> eyre::Result<PathBuf> {
        let path = dir.join(format!("{}.pem", self.addr.port()));
        std::fs::write(&path, &self.cert_pem)
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// TLS handshakes completed so far (clients that accepted the certificate).
    pub fn handshakes(&self) -> u64 {
        self.handshakes.load(Ordering::Relaxed)
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

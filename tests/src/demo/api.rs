//! Uploads through the API, as a maker would: sign in with Ethereum (EIP-4361) as each
//! picture's or document's uploader, then POST its exact bytes.

use std::collections::HashMap;

use alloy::{primitives::Address, signers::Signer};
use eyre::{Context, ContextCompat, Result, bail, ensure};
use serde_json::{Value, json};

use super::world::{Document, Picture};

/// The API as makers use it: a session per uploader, signed in on first use.
struct Uploads {
    base: String,
    domain: String,
    chain_id: u64,
    http: reqwest::Client,
    sessions: HashMap<Address, String>,
}

impl Uploads {
    fn new(base: &str, chain_id: u64) -> Result<Self> {
        let base = base.trim_end_matches('/').to_string();
        let url: reqwest::Url =
            base.parse().with_context(|| format!("--api {base} is not a URL"))?;
        let domain = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let http = reqwest::Client::new();
        Ok(Self { base, domain, chain_id, http, sessions: HashMap::new() })
    }

    /// POSTs `bytes` of `content_type` to `path` as `uploader`; the answer of a 200 (stored
    /// before) or a 201 (stored now).
    async fn post(
        &mut self,
        uploader: &alloy::signers::local::PrivateKeySigner,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Value> {
        let base = &self.base;
        let token = match self.sessions.get(&uploader.address()) {
            Some(t) => t.clone(),
            None => {
                let t = sign_in(&self.http, base, &self.domain, self.chain_id, uploader).await?;
                self.sessions.insert(uploader.address(), t.clone());
                t
            }
        };
        let response = self
            .http
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .with_context(|| format!("POST {base}{path}: is cointent serve running?"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        ensure!(
            status.as_u16() == 200 || status.as_u16() == 201,
            "upload to {path} refused: {status} {body}"
        );
        Ok(body)
    }
}

/// Uploads every document; returns how many the API accepted (stored now or before).
pub(crate) async fn upload_all(base: &str, chain_id: u64, docs: &[Document]) -> Result<usize> {
    let mut api = Uploads::new(base, chain_id)?;
    for doc in docs {
        let body =
            api.post(&doc.uploader, "/v1/metadata", "application/json", doc.bytes.clone()).await?;
        let hash = body["hash"].as_str().unwrap_or_default();
        ensure!(
            hash.eq_ignore_ascii_case(&doc.hash.to_string()),
            "the API stored the document under {hash}, not {}",
            doc.hash
        );
    }
    Ok(docs.len())
}

/// Uploads every picture (`POST /v1/pictures`); returns how many the API accepted (stored
/// now or before).
pub(crate) async fn upload_pictures(
    base: &str,
    chain_id: u64,
    pictures: &[Picture],
) -> Result<usize> {
    let mut api = Uploads::new(base, chain_id)?;
    for picture in pictures {
        api.post(&picture.uploader, "/v1/pictures", "image/png", picture.bytes.clone()).await?;
    }
    Ok(pictures.len())
}

/// A session token for `uploader`.
async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    domain: &str,
    chain_id: u64,
    uploader: &alloy::signers::local::PrivateKeySigner,
) -> Result<String> {
    let nonce: Value = http
        .post(format!("{base}/v1/auth/nonce"))
        .send()
        .await
        .with_context(|| format!("POST {base}/v1/auth/nonce: is cointent serve running?"))?
        .error_for_status()
        .context("POST /v1/auth/nonce")?
        .json()
        .await?;
    let nonce = nonce["nonce"].as_str().context("no nonce in /v1/auth/nonce")?;
    let address = uploader.address().to_checksum(None);
    let message = format!(
        "{domain} wants you to sign in with your Ethereum account:\n{address}\n\n\
         Sign in to Co-Intent to publish order metadata.\n\nURI: {base}\nVersion: 1\n\
         Chain ID: {chain_id}\nNonce: {nonce}\nIssued At: {}",
        rfc3339_now()
    );
    let signature = uploader.sign_message(message.as_bytes()).await?;
    let response = http
        .post(format!("{base}/v1/auth/verify"))
        .json(&json!({
            "message": message,
            "signature": alloy::hex::encode_prefixed(signature.as_bytes()),
        }))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("sign-in of {address} refused: {status} {body}");
    }
    Ok(body["token"].as_str().context("no token in /v1/auth/verify")?.to_string())
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ` (a SIWE message's `Issued At`).
fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    cointent_domain::time::format_unix(secs).expect("the clock reads a date after 1970")
}

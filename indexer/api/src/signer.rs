//! Whose signature is this: plain keys (65 bytes, `ecrecover`), deployed contract wallets
//! (EIP-1271 `isValidSignature` by `eth_call`) and not-yet-deployed ones (ERC-6492: the
//! wallet's factory and calldata wrapped around its signature, checked by one `eth_call`
//! without `to` running `ValidateSigOffchain`'s creation code).
//!
//! Every signature the API checks goes through [`verify`]: sign-in with Ethereum and partner
//! price updates. The pure part (reading the signature's shape) is [`Shape::of`], tested
//! here; the chain is asked only when a key's signature does not already settle it, with
//! a time limit, and a chain that does not answer is a 503, never an acceptance.

use std::time::Duration;

use alloy::{
    hex,
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes},
    rpc::types::TransactionRequest,
    sol,
    sol_types::{SolCall, SolValue},
};
use cointent_abi::VALIDATE_SIG_OFFCHAIN_HEX;

use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The longest signature accepted (a passkey wallet's WebAuthn signature, ERC-6492 wrapped
/// with its factory's calldata, is a few hundred bytes to a few KiB).
pub(crate) const MAX_SIGNATURE_BYTES: usize = 8 * 1024;

/// How long the chain may take to judge one signature.
const CHAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The last 32 bytes of an ERC-6492 wrapped signature.
const ERC6492_SUFFIX: [u8; 32] = [
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
];

/// EIP-1271's "valid" answer: `isValidSignature`'s selector.
const ERC1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

sol! {
    /// EIP-1271.
    function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4);
}

/// A signature's bytes from `0x` hex (`0x` optional): 400 naming `field` when it is not hex,
/// empty or over [`MAX_SIGNATURE_BYTES`].
pub(crate) fn parse_hex(field: &str, text: &str) -> ApiResult<Vec<u8>> {
    let hex = text.strip_prefix("0x").unwrap_or(text);
    if hex.len() > 2 * MAX_SIGNATURE_BYTES {
        return Err(ApiError::bad(field, format!("longer than {MAX_SIGNATURE_BYTES} bytes")));
    }
    match alloy::hex::decode(hex) {
        Ok(bytes) if !bytes.is_empty() => Ok(bytes),
        _ => Err(ApiError::bad(field, "expected 0x hex bytes")),
    }
}

/// How a signature asks to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// 65 bytes: a key's signature, or a contract wallet's that happens to be 65 bytes.
    Key(alloy::primitives::Signature),
    /// ERC-6492 wrapped: the factory, its calldata and the wallet's own signature.
    Counterfactual {
        /// The factory to call when the wallet has no code.
        factory: Address,
        /// What deploys the wallet.
        calldata: Bytes,
        /// The signature the deployed wallet judges.
        inner: Bytes,
    },
    /// Anything else: only a contract wallet can have made it.
    Contract,
}

impl Shape {
    /// Reads `sig`'s shape; a wrapper whose contents do not decode is an error message.
    pub(crate) fn of(sig: &[u8]) -> Result<Self, String> {
        if sig.len() >= 32 && sig[sig.len() - 32..] == ERC6492_SUFFIX {
            let wrapped = &sig[..sig.len() - 32];
            let (factory, calldata, inner) = <(Address, Bytes, Bytes)>::abi_decode_params(wrapped)
                .map_err(|_| {
                    "an ERC-6492 signature must wrap abi.encode(factory, calldata, signature)"
                        .to_string()
                })?;
            return Ok(Self::Counterfactual { factory, calldata, inner });
        }
        if sig.len() == 65
            && let Ok(key) = alloy::primitives::Signature::from_raw(sig)
        {
            return Ok(Self::Key(key));
        }
        Ok(Self::Contract)
    }
}

/// The signature a contract call takes (EIP-1271 through OpenZeppelin's SignatureChecker,
/// which knows nothing of ERC-6492): an ERC-6492 wrapper's inner signature, else `sig`.
pub(crate) fn unwrapped(sig: &[u8]) -> Vec<u8> {
    match Shape::of(sig) {
        Ok(Shape::Counterfactual { inner, .. }) => inner.to_vec(),
        _ => sig.to_vec(),
    }
}

/// Whether `signer` signed `hash` with `sig` on chain `chain_id`. `Ok(false)` is an answer
/// ("not this signer's"); a chain that cannot be asked or does not answer in time is a 503,
/// and a malformed ERC-6492 wrapper a 400 naming `field`.
pub(crate) async fn verify(
    s: &AppState,
    chain_id: u64,
    signer: Address,
    hash: B256,
    sig: &[u8],
    field: &str,
) -> ApiResult<bool> {
    let shape = Shape::of(sig).map_err(|why| ApiError::bad(field, why))?;
    // A key's signature settles it without the chain: sign-in keeps working for plain
    // wallets when the RPC is down.
    if let Shape::Key(key) = &shape
        && key.recover_address_from_prehash(&hash).is_ok_and(|a| a == signer)
    {
        return Ok(true);
    }
    let rpc = s
        .rpc(chain_id)
        .ok_or_else(|| ApiError::Unavailable(format!("no RPC for chain {chain_id}")))?;
    let ask = async {
        let code = rpc.code(signer, None).await?;
        let verdict = match shape {
            Shape::Counterfactual { inner, .. } if !code.is_empty() => {
                // Deployed since it signed: its own judgement of the inner signature.
                is_valid_1271(rpc, signer, hash, inner).await?
            }
            Shape::Counterfactual { .. } => {
                let mut data = hex::decode(VALIDATE_SIG_OFFCHAIN_HEX.trim())?;
                data.extend((signer, hash, Bytes::copy_from_slice(sig)).abi_encode_params());
                let tx = TransactionRequest::default().with_deploy_code(data);
                rpc.simulate(tx).await?.is_some_and(|out| out.as_ref() == [1])
            }
            _ if code.is_empty() => false,
            _ => is_valid_1271(rpc, signer, hash, Bytes::copy_from_slice(sig)).await?,
        };
        eyre::Ok(verdict)
    };
    match tokio::time::timeout(CHAIN_TIMEOUT, ask).await {
        Ok(Ok(verdict)) => Ok(verdict),
        Ok(Err(e)) => Err(ApiError::Unavailable(format!("chain {chain_id}: {e}"))),
        Err(_) => Err(ApiError::Unavailable(format!("chain {chain_id}: the RPC timed out"))),
    }
}

/// EIP-1271: whether `wallet` answers the magic value for (`hash`, `sig`). A revert or a
/// short answer is "no".
async fn is_valid_1271(
    rpc: &cointent_ingest::rpc::Rpc,
    wallet: Address,
    hash: B256,
    sig: Bytes,
) -> eyre::Result<bool> {
    let input = isValidSignatureCall { hash, signature: sig }.abi_encode();
    let out = rpc.call(wallet, input.into()).await?;
    Ok(out.is_some_and(|o| o.len() >= 32 && o[..4] == ERC1271_MAGIC && o[4..32] == [0; 28]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let key = [[0x11; 32].as_slice(), &[0x22; 32], &[27]].concat();
        assert!(matches!(Shape::of(&key), Ok(Shape::Key(_))));
        assert_eq!(Shape::of(&[0; 64]), Ok(Shape::Contract));
        assert_eq!(Shape::of(&[0; 66]), Ok(Shape::Contract));
        let factory = Address::repeat_byte(0xfa);
        let wrapped = (factory, Bytes::from(vec![1, 2, 3]), Bytes::from(key.clone()));
        let mut sig = wrapped.abi_encode_params();
        sig.extend(ERC6492_SUFFIX);
        assert_eq!(
            Shape::of(&sig),
            Ok(Shape::Counterfactual {
                factory,
                calldata: vec![1, 2, 3].into(),
                inner: key.clone().into()
            })
        );
        assert_eq!(unwrapped(&sig), key);
        assert_eq!(unwrapped(&key), key);
        // The suffix around something that is not the wrapper.
        let mut bad = key.clone();
        bad.extend(ERC6492_SUFFIX);
        assert!(Shape::of(&bad).is_err());
    }

    #[test]
    fn signature_hex_is_bounded() {
        assert_eq!(parse_hex("s", "0x0102").unwrap(), vec![1, 2]);
        assert!(parse_hex("s", "0x").is_err());
        assert!(parse_hex("s", "0xzz").is_err());
        assert!(parse_hex("s", &"ab".repeat(MAX_SIGNATURE_BYTES)).is_ok());
        let over = parse_hex("s", &"ab".repeat(MAX_SIGNATURE_BYTES + 1)).unwrap_err();
        assert!(over.to_string().contains("longer than 8192 bytes"), "{over}");
    }
}

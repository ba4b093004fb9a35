//! Decoding logs into named JSON arguments, from the ABIs exported to `abi/json`.
//!
//! Escrow v2's `OrderCreated` carries the terms packed (`bytes`): its `terms` stays that hex,
//! as the event has it (its keccak256 is the order's terms hash), and the decoder adds
//! `termsUnpacked`, the terms unpacked by the domain's codec (`cointent_domain::Terms`,
//! the API's `OrderTerms` JSON), which the projections read. The Shop's `Listed` carries its
//! terms template in the same layout (`template`, the per-purchase fields zero): the decoder
//! adds it unpacked as `templateUnpacked`.

use std::collections::HashMap;

use alloy::{
    dyn_abi::{DynSolValue, EventExt},
    json_abi::{Event, JsonAbi, Param},
    primitives::{Address, B256, Log},
};
use serde_json::{Map, Value};

/// Which ABI each deployment name uses.
const ABI_OF: &[(&str, &str)] = &[
    ("escrow", "Escrow"),
    ("token", "Token"),
    ("treasury", "Treasury"),
    ("governor", "CointentGovernor"),
    ("timelock", "TimelockController"),
    ("stablecoin", "DemoStablecoin"),
    ("escrow_lens", "EscrowLens"),
    ("terms_verifier", "TermsVerifier"),
    ("team_vesting", "TeamVesting"),
    ("shop", "Shop"),
];

/// The member `OrderCreated` gains: its packed `terms`, unpacked.
pub const TERMS_UNPACKED: &str = "termsUnpacked";

/// The member the Shop's `Listed` gains: its packed `template`, unpacked.
pub const TEMPLATE_UNPACKED: &str = "templateUnpacked";

/// The packed terms a decoded event carries, by (event, argument), and the member their
/// unpacked form goes into.
const PACKED: [(&str, &str, &str); 2] =
    [("OrderCreated", "terms", TERMS_UNPACKED), ("Listed", "template", TEMPLATE_UNPACKED)];

/// A decoded log.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The deployment name of the emitting contract (`escrow`, `token`, ...).
    pub contract: String,
    /// The event name, or `Unknown`.
    pub event: String,
    /// Arguments by name; integers as decimal strings, addresses and bytes as lower-case hex.
    pub args: Value,
}

/// Decodes the logs of the contracts of one chain.
#[derive(Debug, Clone)]
pub struct Decoder {
    by_address: HashMap<Address, (String, HashMap<B256, Event>)>,
}

impl Decoder {
    /// Builds a decoder for `contracts` (deployment name → address).
    pub fn new<'a>(contracts: impl IntoIterator<Item = (&'a String, &'a Address)>) -> Self {
        let abis: HashMap<&str, JsonAbi> = cointent_abi::ABI_JSON
            .iter()
            .map(|(name, json)| (*name, serde_json::from_str(json).expect("abi/json is valid")))
            .collect();
        let by_address = contracts
            .into_iter()
            .map(|(name, address)| {
                let abi_name = ABI_OF.iter().find(|(n, _)| n == name).map(|(_, a)| *a);
                let events = abi_name
                    .and_then(|a| abis.get(a))
                    .map(|abi| abi.events().map(|e| (e.selector(), e.clone())).collect())
                    .unwrap_or_default();
                (*address, (name.clone(), events))
            })
            .collect();
        Self { by_address }
    }

    /// The addresses whose logs to fetch.
    pub fn addresses(&self) -> Vec<Address> {
        let mut a: Vec<_> = self.by_address.keys().copied().collect();
        a.sort();
        a
    }

    /// Decodes one log. Logs of unknown events are kept with their raw topics and data.
    pub fn decode(&self, log: &Log) -> Decoded {
        let Some((contract, events)) = self.by_address.get(&log.address) else {
            return raw("unknown".into(), log);
        };
        let Some(event) = log.topics().first().and_then(|t| events.get(t)) else {
            return raw(contract.clone(), log);
        };
        match event.decode_log_parts(log.topics().iter().copied(), &log.data.data) {
            Ok(decoded) => {
                let (mut indexed, mut body) =
                    (decoded.indexed.into_iter(), decoded.body.into_iter());
                let mut args = Map::new();
                for input in &event.inputs {
                    let value = if input.indexed { indexed.next() } else { body.next() };
                    if let Some(value) = value {
                        let unpacked = PACKED
                            .iter()
                            .find(|(e, arg, _)| *e == event.name && *arg == input.name)
                            .map(|(_, _, member)| *member);
                        if let (Some(member), DynSolValue::Bytes(packed)) = (unpacked, &value) {
                            unpack_terms(packed, member, &mut args);
                        }
                        args.insert(input.name.clone(), to_json(&value, &input.components));
                    }
                }
                Decoded {
                    contract: contract.clone(),
                    event: event.name.clone(),
                    args: Value::Object(args),
                }
            }
            Err(_) => raw(contract.clone(), log),
        }
    }
}

/// Adds the unpacked terms as `member`. Terms the Escrow emitted always unpack (it checks
/// their layout before creating the order), and so do the Shop's templates (it checks the
/// counts and writes the layout itself); bytes that do not are left packed only, and the
/// order or listing is not projected.
fn unpack_terms(packed: &[u8], member: &str, args: &mut Map<String, Value>) {
    match cointent_domain::Terms::unpack(packed) {
        Ok(terms) => {
            let json = serde_json::to_value(terms).expect("terms serialize");
            args.insert(member.into(), json);
        }
        Err(e) => tracing::warn!(error = %e, member, "packed terms that do not unpack"),
    }
}

fn raw(contract: String, log: &Log) -> Decoded {
    let topics: Vec<Value> = log.topics().iter().map(|t| Value::String(t.to_string())).collect();
    Decoded {
        contract,
        event: "Unknown".into(),
        args: serde_json::json!({ "topics": topics, "data": log.data.data.to_string() }),
    }
}

/// A string argument as it can be stored and shown: anyone writes these (a dispute's reason),
/// and the chain takes any bytes. Invalid UTF-8 is already U+FFFD (alloy decodes lossily);
/// so become NUL, which Postgres cannot store in text or JSON (the batch would never be
/// written), the other control characters but line breaks and tabs, and the bidirectional
/// overrides and isolates (U+202A-U+202E, U+2066-U+2069), which make text display as other
/// text.
fn displayable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => char::REPLACEMENT_CHARACTER,
            c if c.is_control() => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .collect()
}

/// JSON for an ABI value; tuple fields take their names from the ABI.
fn to_json(value: &DynSolValue, components: &[Param]) -> Value {
    match value {
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Int(i, _) => Value::String(i.to_string()),
        DynSolValue::Uint(u, _) => Value::String(u.to_string()),
        DynSolValue::Address(a) => Value::String(format!("{a:#x}")),
        DynSolValue::FixedBytes(w, size) => Value::String(format!("0x{}", hex(&w[..*size]))),
        DynSolValue::Bytes(b) => Value::String(format!("0x{}", hex(b))),
        DynSolValue::String(s) => Value::String(displayable(s)),
        DynSolValue::Function(f) => Value::String(f.to_string()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            // Elements share the array's components.
            Value::Array(items.iter().map(|v| to_json(v, components)).collect())
        }
        DynSolValue::Tuple(fields) => {
            let mut map = Map::new();
            for (i, field) in fields.iter().enumerate() {
                let (name, inner) = match components.get(i) {
                    Some(p) if !p.name.is_empty() => (p.name.clone(), &p.components[..]),
                    Some(p) => (i.to_string(), &p.components[..]),
                    None => (i.to_string(), &[][..]),
                };
                map.insert(name, to_json(field, inner));
            }
            Value::Object(map)
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use alloy::{
        primitives::{U256, address},
        sol_types::SolEvent,
    };
    use cointent_abi::{DemoStablecoin, Escrow, Shop};
    use cointent_domain::Terms;

    use super::*;

    /// A dispute's reason is anyone's bytes: NUL (which Postgres refuses), invalid UTF-8, a
    /// right-to-left override; the event still decodes, and the text is storable and shows
    /// as what it is.
    #[test]
    fn strings_from_anyone_decode_to_storable_text() {
        let escrow = address!("0x00000000000000000000000000000000000000ee");
        let decoder = Decoder::new([(&"escrow".to_string(), &escrow)]);
        let backer = address!("0x1111111111111111111111111111111111111111");
        let reason = b"bad\0wool \xff\xfe\xe2\x80\xaereversed\nline two\t.".to_vec();
        let body = DynSolValue::Tuple(vec![
            DynSolValue::Uint(U256::from(5), 256),
            DynSolValue::Uint(U256::from(1_000), 256),
            DynSolValue::Bytes(reason),
        ])
        .abi_encode_params();
        let topics = vec![
            Escrow::Disputed::SIGNATURE_HASH,
            U256::from(7).into(),
            U256::ZERO.into(),
            backer.into_word(),
        ];
        let data = alloy::primitives::LogData::new(topics, body.into()).expect("four topics");
        let d = decoder.decode(&Log { address: escrow, data });
        assert_eq!(d.event, "Disputed");
        assert_eq!(d.args["backer"], "0x1111111111111111111111111111111111111111");
        assert_eq!(
            d.args["reason"],
            "bad\u{FFFD}wool \u{FFFD}\u{FFFD}\u{FFFD}reversed\nline two\t."
        );
        assert!(!d.args.to_string().contains("\\u0000"));
    }

    #[test]
    fn decodes_named_arguments_as_strings() {
        let token = address!("0x00000000000000000000000000000000000000aa");
        let decoder = Decoder::new([(&"stablecoin".to_string(), &token)]);
        let event = DemoStablecoin::Transfer {
            from: address!("0x1111111111111111111111111111111111111111"),
            to: address!("0x2222222222222222222222222222222222222222"),
            value: U256::from(10).pow(U256::from(30)),
        };
        let log = Log { address: token, data: event.encode_log_data() };
        let d = decoder.decode(&log);
        assert_eq!(d.contract, "stablecoin");
        assert_eq!(d.event, "Transfer");
        assert_eq!(d.args["from"], "0x1111111111111111111111111111111111111111");
        assert_eq!(d.args["value"], "1000000000000000000000000000000");

        let stranger =
            Log { address: address!("0x00000000000000000000000000000000000000bb"), ..log };
        assert_eq!(decoder.decode(&stranger).event, "Unknown");
    }

    /// The fixtures' first order, as the Escrow emits it.
    const PACKED: &str = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc29f8d7825158117d3c4d0e9f931468af00035643000000000000000001ab3f00000000140000001e006aa56cbe0006978000093a8001f4006401f40000000000000000000000000000000000000000a0ee7a142d267c1f36714e4a8f75612f20a797207d2ddfc8b57c41b2572e776c200b72e635654caa12b5874958e7daa6c52ef267020fa00012750017700012750000";

    #[test]
    fn order_created_keeps_the_packed_terms_and_adds_them_unpacked() {
        let escrow = address!("0x00000000000000000000000000000000000000e5");
        let decoder = Decoder::new([(&"escrow".to_string(), &escrow)]);
        let packed: alloy::primitives::Bytes = PACKED.parse().unwrap();
        let terms = Terms::unpack(&packed).unwrap();
        let event = Escrow::OrderCreated {
            orderId: U256::from(1),
            seller: terms.seller,
            token: terms.token,
            creator: address!("0x00000000000000000000000000000000000000c0"),
            terms: packed.clone(),
        };
        let d = decoder.decode(&Log { address: escrow, data: event.encode_log_data() });
        assert_eq!((d.contract.as_str(), d.event.as_str()), ("escrow", "OrderCreated"));
        assert_eq!(d.args["terms"], PACKED);
        assert_eq!(d.args["creator"], "0x00000000000000000000000000000000000000c0");
        let unpacked: Terms = serde_json::from_value(d.args[TERMS_UNPACKED].clone()).unwrap();
        assert_eq!(unpacked, terms);
        assert_eq!(unpacked.milestones.len(), 2);
        assert_eq!(d.args[TERMS_UNPACKED]["unit_price"], "28000000");
        assert!(d.args.get("termsHash").is_none(), "v2 emits no terms hash");

        // Bytes that do not unpack stay packed only.
        let event = Escrow::OrderCreated { terms: packed.slice(..100), ..event };
        let d = decoder.decode(&Log { address: escrow, data: event.encode_log_data() });
        assert!(d.args.get(TERMS_UNPACKED).is_none());
        assert_eq!(d.event, "OrderCreated");
    }

    #[test]
    fn listed_keeps_the_packed_template_and_adds_it_unpacked() {
        let shop = address!("0x00000000000000000000000000000000000000a5");
        let decoder = Decoder::new([(&"shop".to_string(), &shop)]);
        // A template as the Shop emits it: the fixture's terms with the per-purchase fields
        // (sole buyer, units, funding deadline, fee) zero.
        let mut template = Terms::unpack(&PACKED.parse::<alloy::primitives::Bytes>().unwrap())
            .unwrap()
            .to_abi()
            .unwrap();
        template.soleBuyer = Address::ZERO;
        (template.minUnits, template.maxUnits, template.feeBps) = (0, 0, 0);
        template.fundingDeadline = Default::default();
        let packed = cointent_domain::terms::pack(&template).unwrap();
        let event = Shop::Listed {
            listingId: U256::from(3),
            seller: template.seller,
            partner: address!("0x00000000000000000000000000000000000000b0"),
            token: template.token,
            unitPrice: U256::from(template.unitPrice),
            stock: U256::from(12),
            template: packed.clone(),
        };
        let d = decoder.decode(&Log { address: shop, data: event.encode_log_data() });
        assert_eq!((d.contract.as_str(), d.event.as_str()), ("shop", "Listed"));
        assert_eq!(d.args["template"], packed.to_string());
        assert_eq!(d.args["stock"], "12");
        let unpacked: Terms = serde_json::from_value(d.args[TEMPLATE_UNPACKED].clone()).unwrap();
        assert_eq!(unpacked, Terms::from_abi(&template));
        assert_eq!(unpacked.funding_deadline_unix, 0);
        assert!(d.args.get(TERMS_UNPACKED).is_none());
    }
}

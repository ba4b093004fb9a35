//! Decoding logs into named JSON arguments, from the ABIs exported to `abi/json`.

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
];

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

fn raw(contract: String, log: &Log) -> Decoded {
    let topics: Vec<Value> = log.topics().iter().map(|t| Value::String(t.to_string())).collect();
    Decoded {
        contract,
        event: "Unknown".into(),
        args: serde_json::json!({ "topics": topics, "data": log.data.data.to_string() }),
    }
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
        DynSolValue::String(s) => Value::String(s.clone()),
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
    use cointent_abi::DemoStablecoin;

    use super::*;

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
}

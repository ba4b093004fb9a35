//! A lean serde `Deserializer` over `serde_json::Value`, for the API's answers.
//!
//! Why not `serde_json::from_value`: each API type's derived visitor is compiled against
//! every path the deserializer can take, and serde_json's can take them all (a struct from an
//! array or from a map with its field names matched, any number into any integer or float,
//! identifiers from bytes, error messages that print floats). The API writes one shape per
//! type: objects for structs, strings for identifiers, enums and amounts, integers for
//! counts. This deserializer offers only those, and hands a struct its members as a sequence
//! in its own field order (looked up by the field names serde passes), so the derived
//! visitors take them one after the other with no names to match and no duplicate checks:
//! with ~45 API types read, typed decoding costs a fraction of what it would. Unknown
//! members are ignored (as serde does, `deny_unknown_fields` aside: no answer type has it);
//! a missing member reads as `null`, so an absent optional one is `None` and an absent
//! required one an error naming it. Structs with a flattened part (`OrderDetail` and the
//! like) go through serde's own map path.

use core::fmt;

use serde::de::{
    self, DeserializeOwned, Deserializer, Expected, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde_json::{Map, Value};

/// Why an answer does not have its type's shape.
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }

    // The defaults print the unexpected value, floats included: the expected shape says
    // enough, for much less code.
    fn invalid_type(_: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Self(format!("expected {exp}"))
    }

    fn invalid_value(_: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Self(format!("expected {exp}"))
    }
}

/// `T` from JSON the API wrote.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(De(value))
}

/// `e`, in member `name`.
fn at(name: &str, e: Error) -> Error {
    Error(format!("{name}: {e}"))
}

fn wrong(what: &str) -> Error {
    Error(format!("expected {what}"))
}

struct De(Value);

impl<'de> Deserializer<'de> for De {
    type Error = Error;

    /// For types that take any JSON (`MetadataJson`, the parts of a flattened struct, ignored
    /// members).
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => v.visit_u64(u),
                (_, Some(i)) => v.visit_i64(i),
                _ => v.visit_f64(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => v.visit_string(s),
            Value::Array(a) => v.visit_seq(Seq(a.into_iter())),
            Value::Object(m) => v.visit_map(Obj(m.into_iter(), None)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => v.visit_bool(b),
            _ => Err(wrong("true or false")),
        }
    }

    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0.as_u64() {
            Some(u) => v.visit_u64(u),
            None => Err(wrong("an unsigned integer")),
        }
    }

    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_i64(v)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0.as_i64() {
            Some(i) => v.visit_i64(i),
            None => Err(wrong("an integer")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => v.visit_string(s),
            _ => Err(wrong("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => v.visit_unit(),
            _ => Err(wrong("null")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => v.visit_seq(Seq(a.into_iter())),
            _ => Err(wrong("an array")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(m) => v.visit_map(Obj(m.into_iter(), None)),
            _ => Err(wrong("an object")),
        }
    }

    /// A struct's members in its field order, as a sequence: the derived visitor then takes
    /// them one after the other, with no field names to match (see the module doc).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(members) => v.visit_seq(Fields { names: fields.iter(), members }),
            _ => Err(wrong("an object")),
        }
    }

    /// Unit variants, by name: the API's enums.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => v.visit_enum(s.into_deserializer()),
            _ => Err(wrong("a name")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i128 u128 f32 f64 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(De(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's members in the order of a struct's fields; a member the object lacks is
/// `null` (so an absent optional member is `None`, and an absent required one an error).
struct Fields {
    names: core::slice::Iter<'static, &'static str>,
    members: Map<String, Value>,
}

impl<'de> SeqAccess<'de> for Fields {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(name) = self.names.next() else { return Ok(None) };
        let value = self.members.remove(*name).unwrap_or(Value::Null);
        seed.deserialize(De(value)).map(Some).map_err(|e| at(name, e))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.names.len())
    }
}

/// An object's members, and the value of the key last read.
struct Obj(<Map<String, Value> as IntoIterator>::IntoIter, Option<Value>);

impl<'de> MapAccess<'de> for Obj {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.0.next() else { return Ok(None) };
        self.1 = Some(value);
        seed.deserialize(De(Value::String(key))).map(Some)
    }

    fn next_value_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(De(self.1.take().unwrap_or(Value::Null)))
    }
}

#[cfg(test)]
mod tests {
    use cointent_domain::{
        Page,
        accounts::Account,
        auth::{AuthNonce, AuthSession},
        catalogue::{CatalogueArtisanDetail, CataloguePartnerDetail},
        chains::ChainInfo,
        error::ErrorBody,
        governance::GovernanceProposal,
        metadata::{MetadataDocument, MetadataStored},
        orders::{OrderDetail, OrderSummary},
        transparency::TransparencyRecord,
        treasury::{TreasuryOverview, TreasuryReport},
    };
    use serde_json::json;

    use super::*;

    /// Reads a real API answer (`cointent-domain`'s fixtures) both ways.
    fn same<T: DeserializeOwned + PartialEq + fmt::Debug>(fixture: &str) {
        let path = format!(
            "{}/../indexer/domain/tests/fixtures/api/{fixture}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect(&path);
        let expected: T = serde_json::from_str(&text).expect(fixture);
        let ours: T = from_value(serde_json::from_str(&text).expect(fixture))
            .unwrap_or_else(|e| panic!("{fixture}: {e}"));
        assert_eq!(ours, expected, "{fixture}");
    }

    #[test]
    fn reads_every_answer_the_app_reads_as_serde_json_does() {
        same::<Vec<ChainInfo>>("chains");
        same::<Page<OrderSummary>>("orders_page");
        same::<Page<OrderSummary>>("orders_all");
        same::<Page<OrderSummary>>("account_orders");
        for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12] {
            same::<OrderDetail>(&format!("order_{n}"));
        }
        for n in [1, 3, 5, 6, 8, 9] {
            same::<TransparencyRecord>(&format!("transparency_{n}"));
        }
        for who in [
            "arbiter",
            "backer",
            "partner",
            "promoter",
            "recipient",
            "seller",
            "treasury",
            "unknown",
        ] {
            same::<Account>(&format!("account_{who}"));
        }
        same::<CatalogueArtisanDetail>("artisan");
        same::<CataloguePartnerDetail>("partner");
        same::<Page<GovernanceProposal>>("governance_proposals");
        same::<TreasuryOverview>("treasury");
        same::<TreasuryReport>("treasury_report");
        same::<AuthNonce>("auth_nonce");
        same::<AuthSession>("auth_session");
        same::<MetadataStored>("metadata_stored");
        same::<MetadataDocument>("metadata_doc");
        for e in ["err_badkey", "err_limit", "err_notfound", "err_status", "err_unauth"] {
            same::<ErrorBody>(e);
        }
    }

    #[test]
    fn a_missing_or_misshapen_member_is_an_error_naming_it() {
        let mut nonce = json!({"nonce": "ab", "expires_at": "2026-12-01T15:26:30Z"});
        assert!(from_value::<AuthNonce>(nonce.clone()).is_ok());
        nonce["nonce"] = json!(7);
        let e = from_value::<AuthNonce>(nonce.clone()).unwrap_err().to_string();
        assert!(e.starts_with("nonce: expected"), "{e}");
        nonce.as_object_mut().unwrap().remove("nonce");
        let e = from_value::<AuthNonce>(nonce).unwrap_err().to_string();
        assert!(e.starts_with("nonce: expected"), "{e}");
        let e = from_value::<Vec<ChainInfo>>(json!({})).unwrap_err().to_string();
        assert_eq!(e, "expected an array");
    }
}

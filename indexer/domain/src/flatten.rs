//! `Deserialize` for the API's "a part and more" objects (an order's detail is its summary's
//! members and more), without serde's `#[serde(flatten)]` on the reading side.
//!
//! Those types keep `#[serde(flatten)]` for `Serialize` (and for their OpenAPI schema). Read
//! with it, though, every flattened part is deserialized from serde's internal buffer, which
//! compiles a second, map-shaped path for each of its fields in every deserializer: that
//! costs the app's WASM kilobytes per type. Here the struct is read instead as two values of
//! one object, the part and a private struct of the remaining fields ([`deserialize`]), with
//! [`FLATTENED`] as both field names:
//!
//! - a deserializer that reads a struct as the sequence of its fields (the app's, which looks
//!   each one up by the field name serde passes) hands the whole object for a field named
//!   [`FLATTENED`], so each part is read the ordinary way, with nothing buffered;
//! - a self-describing deserializer (`serde_json`, on the server and in the tests) hands the
//!   object's members, which are gathered once and each part read from them, as serde's own
//!   flatten does; unknown members are ignored, as before.
//!
//! `flattened!` writes the `Deserialize` impl from the struct's field list; the compiler checks
//! the list against the struct (every field, once, with its type).

use core::{fmt, marker::PhantomData};

use serde::{
    Deserializer,
    de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor},
};

/// The field name that stands for the whole object (see the module doc).
pub const FLATTENED: &str = "$cointent::flattened";

/// Reads one object as both `A` and `B`.
pub(crate) fn deserialize<'de, D, A, B>(
    deserializer: D,
    name: &'static str,
) -> Result<(A, B), D::Error>
where
    D: Deserializer<'de>,
    A: DeserializeOwned,
    B: DeserializeOwned,
{
    deserializer.deserialize_struct(name, &[FLATTENED, FLATTENED], Both(name, PhantomData))
}

struct Both<A, B>(&'static str, PhantomData<(A, B)>);

impl<'de, A: DeserializeOwned, B: DeserializeOwned> Visitor<'de> for Both<A, B> {
    type Value = (A, B);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.0)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(A, B), S::Error> {
        let a = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let b = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
        Ok((a, b))
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(A, B), M::Error> {
        let mut members = serde_json::Map::new();
        while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
            members.insert(key, value);
        }
        let object = serde_json::Value::Object(members);
        let a = A::deserialize(&object).map_err(de::Error::custom)?;
        let b = B::deserialize(&object).map_err(de::Error::custom)?;
        Ok((a, b))
    }
}

/// `Deserialize` for `$name`, whose field `$part` is `#[serde(flatten)]`ed for `Serialize`:
/// `flattened!(OrderDetail { summary: OrderSummary; pledges: Vec<OrderPledge>, ... })`.
macro_rules! flattened {
    ($name:ident { $part:ident: $part_ty:ty; $($field:ident: $ty:ty),+ $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(::serde::Deserialize)]
                struct Rest {
                    $($field: $ty,)+
                }
                let ($part, rest) = $crate::flatten::deserialize::<D, $part_ty, Rest>(
                    d,
                    stringify!($name),
                )?;
                Ok(Self { $part, $($field: rest.$field,)+ })
            }
        }
    };
}

pub(crate) use flattened;

//! The `webhooks` area of the API: signed, final-only event deliveries for partners
//! (`POST`/`GET /v1/webhooks`, `DELETE /v1/webhooks/{id}`, `GET /v1/webhooks/{id}/deliveries`,
//! `POST /v1/webhooks/deliveries/{id}/replay`), and the [`WebhookEvent`] body POSTed to a
//! webhook's URL.

use core::{fmt, str::FromStr};

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use crate::{
    DateTime, OrderId,
    flatten::flattened,
    lifecycle::{UnknownVariant, named_enum},
};

/// An event type a webhook may subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventType {
    /// `OrderCreated`.
    #[serde(rename = "order.created")]
    OrderCreated,
    /// `Pledged`.
    #[serde(rename = "order.pledged")]
    OrderPledged,
    /// `Finalized` with status `Active`: the goal was met.
    #[serde(rename = "order.funded")]
    OrderFunded,
    /// `MilestoneReleased`.
    #[serde(rename = "milestone.released")]
    MilestoneReleased,
    /// `Disputed`: a backer disputed the delivered milestone and posted the bond.
    #[serde(rename = "order.disputed")]
    OrderDisputed,
    /// `DisputeRuled`: the arbiter ruled on the disputed milestone, or the default ruling
    /// applied after the ruling period.
    #[serde(rename = "dispute.ruled")]
    DisputeRuled,
    /// `Expired`: a milestone was not delivered by its deadline; the order ended.
    #[serde(rename = "order.expired")]
    OrderExpired,
    /// `Refunded`.
    #[serde(rename = "order.refunded")]
    OrderRefunded,
    /// The Shop's `Purchased`: units of a listing were bought, as Escrow order `order_id`.
    #[serde(rename = "listing.purchased")]
    ListingPurchased,
    /// `MilestoneApproved`: a backer (a purchase's buyer) confirmed the delivered milestone.
    #[serde(rename = "milestone.approved")]
    MilestoneApproved,
}

impl WebhookEventType {
    /// Every type, in the API's order.
    pub const ALL: &'static [Self] = &[
        Self::OrderCreated,
        Self::OrderPledged,
        Self::OrderFunded,
        Self::MilestoneReleased,
        Self::OrderDisputed,
        Self::DisputeRuled,
        Self::OrderExpired,
        Self::OrderRefunded,
        Self::ListingPurchased,
        Self::MilestoneApproved,
    ];

    /// The type's name: `order.created`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OrderCreated => "order.created",
            Self::OrderPledged => "order.pledged",
            Self::OrderFunded => "order.funded",
            Self::MilestoneReleased => "milestone.released",
            Self::OrderDisputed => "order.disputed",
            Self::DisputeRuled => "dispute.ruled",
            Self::OrderExpired => "order.expired",
            Self::OrderRefunded => "order.refunded",
            Self::ListingPurchased => "listing.purchased",
            Self::MilestoneApproved => "milestone.approved",
        }
    }
}

impl fmt::Display for WebhookEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WebhookEventType {
    type Err = UnknownVariant;

    fn from_str(text: &str) -> Result<Self, UnknownVariant> {
        Self::ALL.iter().copied().find(|t| t.as_str() == text).ok_or_else(|| UnknownVariant {
            what: "webhook event type",
            value: text.to_string(),
            expected: "order.created, order.pledged, order.funded, milestone.released, \
                       order.disputed, dispute.ruled, order.expired, order.refunded, \
                       listing.purchased, milestone.approved",
        })
    }
}

/// The body of `POST /v1/webhooks`. Members are taken as sent and checked by the API (which
/// names the offending member in its 400), hence plain strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookCreate {
    /// `http://` or `https://` (https needs a TLS-enabled build).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^https?://[^\s/?#]+\S*$", max_length = 2048)
    )]
    pub url: String,
    /// Event types, at least one.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<WebhookEventType>, min_items = 1))]
    pub events: Vec<String>,
    /// Only this chain (one the server indexes).
    #[serde(default)]
    pub chain_id: Option<i64>,
    /// Only events of orders naming one of these accounts (seller, split recipients,
    /// backers, promoters, the event's own backer, promoter or buyer); at most 100.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<Vec<crate::primitives::schema::Address>>, max_items = 100)
    )]
    pub accounts: Option<Vec<String>>,
    /// Only these decimal order ids; at most 100.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<Vec<schema::OrderIdFilter>>, max_items = 100)
    )]
    pub order_ids: Option<Vec<String>>,
    /// Only events of purchases of listings naming one of these partner shops: the
    /// purchase (`listing.purchased`) and every event of its Escrow order (confirmations,
    /// releases, disputes, refunds, ...); at most 100.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<Vec<crate::primitives::schema::Address>>, max_items = 100)
    )]
    pub partners: Option<Vec<String>>,
}

/// A registered webhook (never with its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    /// Its id.
    pub id: u64,
    /// Where events are POSTed.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<WebhookEventType>,
    /// Only this chain, or every chain.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub chain_id: Option<u64>,
    /// Only orders naming one of these accounts, or any.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<Vec<crate::primitives::schema::Address>>, required = true)
    )]
    pub accounts: Option<Vec<Address>>,
    /// Only these orders, or any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub order_ids: Option<Vec<OrderId>>,
    /// Only purchases of listings naming one of these partner shops, and their orders'
    /// events; or any.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<Vec<crate::primitives::schema::Address>>, required = true)
    )]
    pub partners: Option<Vec<Address>>,
    /// When it was registered.
    pub created_at: DateTime,
}

/// A webhook just registered, with its secret (shown only here).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookCreated {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC key for X-Cointent-Signature; shown only once.
    pub secret: String,
}

flattened!(WebhookCreated { webhook: Webhook; secret: String });

/// The calling key's webhooks, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    /// The webhooks.
    pub items: Vec<Webhook>,
}

named_enum!(
    /// Where a delivery stands.
    DeliveryStatus, "delivery status", "pending, delivered, failed" {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Every attempt failed (replayable).
        Failed = "failed",
    }
);

/// One event's delivery to one webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// The delivery's id (for replay).
    pub id: u64,
    /// The webhook.
    pub webhook_id: u64,
    /// `chain:block:log`.
    pub event_id: String,
    /// The event's type.
    pub event_type: WebhookEventType,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made in the current series.
    pub attempts: u32,
    /// The receiver's last HTTP status.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_status_code: Option<u16>,
    /// The last attempt's error.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_error: Option<String>,
    /// While pending: when the next attempt is due.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_attempt_at: Option<DateTime>,
    /// When the event was matched to the webhook.
    pub created_at: DateTime,
    /// When it was delivered.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub delivered_at: Option<DateTime>,
}

/// The body POSTed to a webhook's URL, signed in `X-Cointent-Signature`.
// Fields in the order the worker writes them (alphabetical, serde_json's map order), so
// serializing reproduces the bytes it signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    /// The block.
    pub block_number: u64,
    /// The chain.
    pub chain_id: u64,
    /// The block's time.
    pub created_at: DateTime,
    /// The event's decoded arguments (integers as decimal strings).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// `chain:block:log`; also in X-Cointent-Event-Id.
    pub id: String,
    /// The order.
    pub order_id: OrderId,
    /// The transaction.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub tx_hash: B256,
    /// The event's type.
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
}

/// The schema of a webhook's order id filter.
#[cfg(feature = "openapi")]
pub mod schema {
    use std::borrow::Cow;

    use utoipa::{
        PartialSchema, ToSchema,
        openapi::{ObjectBuilder, RefOr, schema::Schema, schema::Type},
    };

    /// An order id as a webhook filter takes it: 1 to 78 decimal digits (leading zeros
    /// allowed, and dropped).
    pub struct OrderIdFilter;

    impl PartialSchema for OrderIdFilter {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9]{1,78}$"))
                .description(Some("A decimal order id."))
                .examples(["7"])
                .into()
        }
    }

    impl ToSchema for OrderIdFilter {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("OrderIdFilter")
        }
    }
}

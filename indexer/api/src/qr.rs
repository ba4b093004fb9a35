//! QR codes and printable labels for orders, and QR codes for the Shop's products.
//!
//! An order's code encodes `<public_url>/t/{chain_id}/{order_id}`, the app's transparency page (or, for a
//! product with a GTIN, its GS1 Digital Link, which redirects there), so
//! anyone scanning a product reaches its record and the proof checked against the chain.
//! A listing's code encodes `<public_url>/products/{chain_id}/{listing_id}`, the product's
//! page, where a phone that scanned it can buy.
//! Images are drawn here from the code's module matrix: SVG as one path, PNG as 8-bit
//! grayscale with the `png` crate, at exactly `size` pixels with whole-pixel modules (the
//! leftover pixels widen the quiet zone).

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use cointent_storage::read::qr as read;
use qrcode::{Color, QrCode};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use cointent_domain::{
    Amount,
    amount::{Grouping, format_amount},
    html::{escape_html, short},
};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    record::OrderRecord,
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(order_qr))
        .routes(routes!(order_label))
        .routes(routes!(listing_qr))
}

#[derive(Deserialize)]
struct ListingPath {
    chain_id: i64,
    listing_id: String,
}

#[derive(Deserialize)]
struct OrderPath {
    chain_id: i64,
    order_id: String,
}

/// An image format of `?format=` (its schema; the handler checks the text).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // only its schema is used
enum QrFormat {
    Svg,
    Png,
}

/// A PNG image (its schema).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // only its schema is used
struct PngImage(Vec<u8>);

/// The query of a QR code.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImageQuery {
    /// The image format.
    #[param(value_type = Option<QrFormat>, inline, default = "svg")]
    format: Option<String>,
    /// Width and height in pixels.
    #[param(minimum = 64, maximum = 2048, default = 256)]
    size: Option<u32>,
    /// Quiet zone in modules.
    #[param(minimum = 0, maximum = 16, default = 4)]
    margin: Option<u32>,
    /// A promoter's address: the code is then its referral link, the order's page in the app
    /// with `?ref=<address>` (pledges through it name the promoter).
    #[serde(rename = "ref")]
    #[param(rename = "ref", value_type = Option<cointent_domain::primitives::schema::Address>)]
    referrer: Option<String>,
}

/// The query of a product's QR code.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListingImageQuery {
    /// The image format.
    #[param(value_type = Option<QrFormat>, inline, default = "svg")]
    format: Option<String>,
    /// Width and height in pixels.
    #[param(minimum = 64, maximum = 2048, default = 256)]
    size: Option<u32>,
    /// Quiet zone in modules.
    #[param(minimum = 0, maximum = 16, default = 4)]
    margin: Option<u32>,
}

/// An image's format, size and margin from a query, checked: 400 naming the one out of
/// range.
fn image_options(
    format: Option<&str>,
    size: Option<u32>,
    margin: Option<u32>,
) -> ApiResult<(bool, u32, u32)> {
    let size = size.unwrap_or(256);
    if !(64..=2048).contains(&size) {
        return Err(ApiError::bad("size", "must be between 64 and 2048 pixels"));
    }
    let margin = margin.unwrap_or(4);
    if margin > 16 {
        return Err(ApiError::bad("margin", "must be between 0 and 16 modules"));
    }
    let png = match format.unwrap_or("svg") {
        "svg" => false,
        "png" => true,
        _ => return Err(ApiError::bad("format", "must be svg or png")),
    };
    Ok((png, size, margin))
}

/// The code of `url` as the image asked for, cached for a day (it depends only on the public
/// URL and the ids).
fn image(url: &str, png: bool, size: u32, margin: u32) -> ApiResult<Response> {
    let matrix = Matrix::encode(url)?;
    let cache = (header::CACHE_CONTROL, "public, max-age=86400");
    Ok(if png {
        ([(header::CONTENT_TYPE, "image/png"), cache], matrix.png(size, margin)?).into_response()
    } else {
        let svg = matrix.svg(size, margin, url);
        ([(header::CONTENT_TYPE, "image/svg+xml"), cache], svg).into_response()
    })
}

/// The order's canonical decimal id, or 400.
fn order_id(text: &str) -> ApiResult<String> {
    let digits = text.trim_start_matches('0');
    let digits = if digits.is_empty() && !text.is_empty() { "0" } else { digits };
    if digits.is_empty() || digits.len() > 78 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad("order_id", "must be a decimal order id"));
    }
    Ok(digits.to_string())
}

/// A square module matrix (true = dark).
struct Matrix {
    width: usize,
    dark: Vec<bool>,
}

impl Matrix {
    fn encode(text: &str) -> ApiResult<Self> {
        let code =
            QrCode::new(text.as_bytes()).map_err(|e| ApiError::Internal(format!("qr: {e}")))?;
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(Self { width: code.width(), dark })
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// An SVG of `size` px with `margin` modules of quiet zone; `title` is its accessible
    /// name (the encoded URL).
    fn svg(&self, size: u32, margin: u32, title: &str) -> String {
        let n = self.width + 2 * margin as usize;
        let mut path = String::new();
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    let (px, py) = (x + margin as usize, y + margin as usize);
                    path.push_str(&format!("M{px} {py}h1v1h-1z"));
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size}\" \
             viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\" role=\"img\">\
             <title>{}</title><rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/>\
             <path fill=\"#000\" d=\"{path}\"/></svg>",
            escape_html(title)
        )
    }

    /// A grayscale PNG of exactly `size` px; the margin shrinks when `size` cannot hold it
    /// at one pixel per module, and a code wider than `size` is a 400.
    fn png(&self, size: u32, margin: u32) -> ApiResult<Vec<u8>> {
        let width = self.width as u32;
        if width > size {
            return Err(ApiError::bad("size", format!("this code needs at least {width} px")));
        }
        let margin = margin.min((size - width) / 2);
        let total = width + 2 * margin;
        let scale = size / total;
        let offset = (size - scale * total) / 2 + margin * scale;
        let mut pixels = vec![255u8; (size * size) as usize];
        for y in 0..self.width as u32 {
            for x in 0..self.width as u32 {
                if !self.is_dark(x as usize, y as usize) {
                    continue;
                }
                for dy in 0..scale {
                    let row = (offset + y * scale + dy) * size;
                    let start = (row + offset + x * scale) as usize;
                    pixels[start..start + scale as usize].fill(0);
                }
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, size, size);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer =
            encoder.write_header().map_err(|e| ApiError::Internal(format!("png: {e}")))?;
        writer.write_image_data(&pixels).map_err(|e| ApiError::Internal(format!("png: {e}")))?;
        writer.finish().map_err(|e| ApiError::Internal(format!("png: {e}")))?;
        Ok(out)
    }
}

/// The URL a code for this order encodes: for a product with a GTIN, its GS1 Digital Link
/// (`/01/<GTIN-14>/21/<chain>-<order>`, the serial at most 20 characters), which retail
/// scanners understand and which redirects to the transparency page; else that page.
fn target(s: &AppState, chain_id: i64, order_id: &str, gtin: Option<&str>) -> String {
    let public = &s.config.http.public_url;
    let serial = format!("{chain_id}-{order_id}");
    match gtin.and_then(cointent_domain::metadata::gtin14) {
        Some(gtin) if serial.len() <= 20 => format!("{public}/01/{gtin}/21/{serial}"),
        _ => format!("{public}/t/{chain_id}/{order_id}"),
    }
}

/// A GS1 Digital Link of a sold product, `/01/<GTIN>/21/<chain>-<order>` (what its QR code
/// encodes): a permanent redirect to the order's transparency page when that order's product
/// has this GTIN; 404 otherwise.
pub(crate) async fn digital_link(
    State(s): State<AppState>,
    axum::extract::Path((gtin, serial)): axum::extract::Path<(String, String)>,
) -> ApiResult<Response> {
    let unknown = || ApiError::not_found(format!("no sale of GTIN {gtin} with serial {serial}"));
    let wanted = cointent_domain::metadata::gtin14(&gtin).ok_or_else(unknown)?;
    let (chain, order) = serial.split_once('-').ok_or_else(unknown)?;
    let chain_id: i64 = chain.parse().map_err(|_| unknown())?;
    let id = order_id(order).map_err(|_| unknown())?;
    let found = read::order_gtin(&s.pool, chain_id, &id).await?.flatten();
    if found.as_deref().and_then(cointent_domain::metadata::gtin14) != Some(wanted) {
        return Err(unknown());
    }
    Ok(axum::response::Redirect::permanent(&format!("/t/{chain_id}/{id}")).into_response())
}

/// A QR code for an order's transparency page.
///
/// Encodes `<public_url>/t/{chain_id}/{order_id}` (error correction M), the product's GS1
/// Digital Link when its document gives a GTIN, or with `ref` a promoter's referral link,
/// `<public_url>/orders/{chain_id}/{order_id}?ref=<address>`. The image is exactly
/// `size` px square with whole-pixel modules; leftover pixels widen the quiet zone, and the
/// margin shrinks when `size` cannot hold it at one pixel per module. Cached for a day.
#[utoipa::path(
    get,
    path = "/qr/{chain_id}/{order_id}",
    operation_id = "orderQr",
    tag = "qr",
    params(
        ("chain_id" = u64, Path, description = "The chain's id."),
        ("order_id" = String, Path, pattern = "^[0-9]{1,78}$", description = "Decimal order id."),
        ImageQuery,
    ),
    responses(
        (status = 200, description = "The code.",
            headers(("Cache-Control" = String, description = "`public, max-age=86400`.")),
            content((String = "image/svg+xml"), (inline(PngImage) = "image/png"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn order_qr(
    State(s): State<AppState>,
    ApiPath(path): ApiPath<OrderPath>,
    ApiQuery(q): ApiQuery<ImageQuery>,
) -> ApiResult<Response> {
    let id = order_id(&path.order_id)?;
    let (png, size, margin) = image_options(q.format.as_deref(), q.size, q.margin)?;
    let Some(gtin) = read::order_gtin(&s.pool, path.chain_id, &id).await? else {
        return Err(ApiError::not_found(format!("order {id} on chain {}", path.chain_id)));
    };
    let url = match q.referrer.as_deref() {
        Some(r) => format!(
            "{}/orders/{}/{id}?ref={}",
            s.config.http.public_url,
            path.chain_id,
            crate::params::address("ref", r)?
        ),
        None => target(&s, path.chain_id, &id, gtin.as_deref()),
    };
    image(&url, png, size, margin)
}

/// A QR code for a product of the Shop: its page in the app.
///
/// Encodes `<public_url>/products/{chain_id}/{listing_id}` (error correction M): a phone that
/// scans it opens the product's page and can buy there. The image is drawn as an order's
/// code is (`size` px square, whole-pixel modules). Cached for a day.
#[utoipa::path(
    get,
    path = "/qr/listings/{chain_id}/{listing_id}",
    operation_id = "listingQr",
    tag = "qr",
    params(
        ("chain_id" = u64, Path, description = "The chain's id."),
        ("listing_id" = String, Path, pattern = "^[0-9]{1,78}$", description = "Decimal listing id."),
        ListingImageQuery,
    ),
    responses(
        (status = 200, description = "The code.",
            headers(("Cache-Control" = String, description = "`public, max-age=86400`.")),
            content((String = "image/svg+xml"), (inline(PngImage) = "image/png"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn listing_qr(
    State(s): State<AppState>,
    ApiPath(path): ApiPath<ListingPath>,
    ApiQuery(q): ApiQuery<ListingImageQuery>,
) -> ApiResult<Response> {
    let id = order_id(&path.listing_id)
        .map_err(|_| ApiError::bad("listing_id", "must be a decimal listing id"))?;
    let (png, size, margin) = image_options(q.format.as_deref(), q.size, q.margin)?;
    if !read::listing_exists(&s.pool, path.chain_id, &id).await? {
        return Err(ApiError::not_found(format!("listing {id} on chain {}", path.chain_id)));
    }
    let url = format!("{}/products/{}/{id}", s.config.http.public_url, path.chain_id);
    image(&url, png, size, margin)
}

/// A printable HTML label for an order.
///
/// Title (from the linked metadata, else `Order #id`), maker, unit price, seller, the QR code
/// as inline SVG and its URL in text; print styles via CSS @media print.
#[utoipa::path(
    get,
    path = "/qr/{chain_id}/{order_id}/label",
    operation_id = "orderLabel",
    tag = "qr",
    params(
        ("chain_id" = u64, Path, description = "The chain's id."),
        ("order_id" = String, Path, pattern = "^[0-9]{1,78}$", description = "Decimal order id."),
    ),
    responses(
        (status = 200, description = "The label.",
            headers(("Cache-Control" = String, description = "`public, max-age=60`.")),
            content((String = "text/html"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn order_label(
    State(s): State<AppState>,
    ApiPath(path): ApiPath<OrderPath>,
) -> ApiResult<Response> {
    let id = order_id(&path.order_id)?;
    let row = read::label(&s.pool, path.chain_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("order {id} on chain {}", path.chain_id)))?;
    let url = target(&s, path.chain_id, &id, row.gtin.as_deref());
    let svg = Matrix::encode(&url)?.svg(240, 4, &url);
    let chain = u64::try_from(path.chain_id).unwrap_or_default();
    // Amounts in the token's units and symbol (the native coin is 18-decimal ETH-like; an
    // unknown token keeps base units with its address).
    let native = row.token == format!("{:#x}", alloy::primitives::Address::ZERO);
    let (symbol, decimals) = match (row.symbol.as_deref(), row.decimals) {
        (Some(sym), Some(d)) if (0..=77).contains(&d) => (sym.to_owned(), d as u8),
        _ if native => (native_symbol(&s, chain), 18),
        _ => (format!("base units of {}", row.token), 0),
    };
    let money = |v: Amount| format_amount(v.0, decimals, &symbol, Grouping::None);
    let per_unit = OrderRecord::load(&s, chain, &id).await?.detail().price_breakdown.per_unit;
    let mut parts = vec![("Maker".to_owned(), per_unit.seller_amount)];
    for split in &per_unit.splits {
        parts
            .push((format!("Partner {}", short(&format!("{:#x}", split.recipient))), split.amount));
    }
    if !per_unit.promoter_pool.0.is_zero() {
        parts.push(("Promoter (at most)".to_owned(), per_unit.promoter_pool));
    }
    parts.push(("Platform fee".to_owned(), per_unit.platform_fee));
    let breakdown: String = parts
        .iter()
        .map(|(who, v)| {
            format!("<tr><th>{}</th><td>{}</td></tr>", escape_html(who), escape_html(&money(*v)))
        })
        .collect();
    let price = money(per_unit.amount);
    let title = row.title.unwrap_or_else(|| format!("Order #{id}"));
    let maker = [row.artisan, row.craft, row.region].into_iter().flatten().collect::<Vec<_>>();
    let maker = if maker.is_empty() {
        String::new()
    } else {
        format!("<p class=\"maker\">{}</p>", escape_html(&maker.join(" · ")))
    };
    let html = format!(
        "<!doctype html>
<html lang=\"en\"><head><meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>{title} — Co-Intent label</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #111; }}
.label {{ width: 90mm; border: 1px dashed #999; padding: 6mm; }}
h1 {{ font-size: 14pt; margin: 0 0 2mm; }}
p {{ margin: 1mm 0; font-size: 9pt; }}
.qr svg {{ width: 50mm; height: 50mm; display: block; margin: 3mm auto; }}
.url, .mono {{ font-family: ui-monospace, monospace; font-size: 7pt; word-break: break-all; }}
.hint {{ font-size: 8pt; color: #444; }}
table.split {{ font-size: 8pt; border-collapse: collapse; margin: 1mm 0; }}
table.split caption {{ text-align: left; font-weight: 600; }}
table.split th {{ text-align: left; font-weight: normal; padding-right: 4mm; }}
@media print {{
  @page {{ size: auto; margin: 5mm; }}
  body {{ margin: 0; }}
  .label {{ border: none; }}
  .noprint {{ display: none; }}
}}
</style></head>
<body>
<div class=\"label\">
<h1>{title}</h1>
{maker}
<p>{kind}, {status}</p>
<p class=\"price\">Unit price: <strong>{price}</strong></p>
<table class=\"split\"><caption>Where one unit's price goes</caption>{breakdown}</table>
<p>Seller: <span class=\"mono\">{seller}</span></p>
<div class=\"qr\">{svg}</div>
<p class=\"hint\">Scan to see where the money goes, checked against chain {chain}.</p>
<p class=\"url\">{url}</p>
</div>
<p class=\"noprint\"><button onclick=\"window.print()\">Print</button></p>
</body></html>
",
        title = escape_html(&title),
        kind = escape_html(&row.kind),
        status = escape_html(&row.status),
        price = escape_html(&price),
        seller = escape_html(&row.seller),
        chain = path.chain_id,
        url = escape_html(&url),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The title and status can change: a short cache.
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        html,
    )
        .into_response())
}

/// The native coin's symbol on `chain_id`, as configured (or from the chain registry);
/// `ETH` when neither says.
fn native_symbol(s: &AppState, chain_id: u64) -> String {
    s.config
        .chains
        .iter()
        .find(|c| c.chain_id == chain_id)
        .and_then(|c| c.native_currency.as_ref())
        .map_or_else(|| "ETH".to_owned(), |n| n.symbol.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_exactly_the_size_asked_with_whole_modules() {
        let m = Matrix::encode("http://127.0.0.1:8080/t/1/2").unwrap();
        let png = m.png(100, 4).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (100, 100));
        let long = Matrix::encode(&format!("https://shop.example/t/1/{}", "9".repeat(60))).unwrap();
        assert!(long.width + 32 > 64);
        let png = long.png(64, 16).unwrap();
        let reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        assert_eq!(reader.info().width, 64, "the margin shrank to fit");
        let huge = Matrix::encode(&"x".repeat(1000)).unwrap();
        assert!(huge.png(64, 0).is_err(), "wider than the image");
        assert!(m.svg(128, 0, "a<b").contains("<title>a&lt;b</title>"));
        assert_eq!(order_id("007").unwrap(), "7");
        assert!(order_id("1e3").is_err());
    }
}

//! The `pictures` area of the API: content-addressed product pictures with thumbnails.
//!
//! A signed-in maker uploads the bytes of a PNG, JPEG or WebP picture; its key is the sha256
//! of those exact bytes, and a metadata document's `images` carry the URL the answer gives.
//!
//! What an attacker could send, and what happens:
//! - a body larger than `http.picture_max_bytes`: refused (413) from its `Content-Length`
//!   before reading, or as soon as the bytes read pass the limit;
//! - a type other than PNG, JPEG or WebP (SVG with scripts, HTML, GIF), or bytes whose magic
//!   number is not the declared type's: 415, so what is served under a picture's URL is
//!   always a picture of the type it is served as (with `nosniff`);
//! - a decompression bomb (a small file whose header claims a huge canvas): its dimensions
//!   are read from the header and more than [`MAX_PIXELS`] is a 400 before anything is
//!   decoded; decoding itself runs on the blocking pool, at most [`DECODERS`] at once, under
//!   the image crate's allocation limit;
//! - bytes that do not decode (truncated, corrupt): 400.

use axum::{
    Json,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use cointent_domain::{
    error::ErrorBody,
    pictures::{PICTURE_TYPES, PictureStored, THUMBNAIL_MAX_SIDE},
};
use cointent_storage::read::pictures::{self as read, NewPicture, PictureFile, PictureInfo};
use futures_util::StreamExt;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiPath, ApiResult},
    identity::Session,
    params,
    state::AppState,
};

/// The most pixels a picture may have (width × height), checked from its header.
pub(crate) const MAX_PIXELS: u64 = 40_000_000;

/// Pictures decoded at once, across all requests: a decoded 40-megapixel picture takes
/// 160 MB.
pub(crate) const DECODERS: usize = 2;

static DECODING: Semaphore = Semaphore::const_new(DECODERS);

/// A picture's bytes, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // only its schema is used
struct Binary(Vec<u8>);

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(original))
        .routes(routes!(thumbnail))
}

/// Store a product picture under the sha256 of its exact bytes, with a thumbnail.
///
/// The body is the picture's bytes, with Content-Type image/png, image/jpeg or image/webp,
/// at most http.picture_max_bytes (2 MiB by default; 413 otherwise, naming the limit). The
/// bytes must be of the declared type (415 otherwise, as for any other type), at most 40
/// million pixels as their header says (400, checked before decoding), and decode (400).
/// A thumbnail, longest side at most 320 pixels (JPEG, or PNG for a picture with
/// transparency), is made at upload. 201 when stored now, 200 when it was already stored;
/// either way the answer gives the URLs to put in a metadata document's `images`.
#[utoipa::path(
    post,
    path = "/pictures",
    operation_id = "uploadPicture",
    tag = "pictures",
    security(("session" = [])),
    request_body(description = "The picture's bytes.",
        content((inline(Binary) = "image/png"), (inline(Binary) = "image/jpeg"), (inline(Binary) = "image/webp"))),
    responses(
        (status = 200, description = "Already stored.", body = PictureStored),
        (status = 201, description = "Stored.", body = PictureStored),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 413, description = "Larger than http.picture_max_bytes (2 MiB by default).", body = ErrorBody),
        (status = 415, description = "Not image/png, image/jpeg or image/webp, or bytes of another type than declared.", body = ErrorBody),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn upload(
    State(s): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<PictureStored>)> {
    let declared = declared_type(&headers)?;
    let max = s.config.http.picture_max_bytes;
    let bytes = read_limited(&headers, body, max).await?;
    let format = check_magic(declared, &bytes)?;
    let hash = Sha256::digest(&bytes);
    let hash_text = format!("0x{}", hex(&hash));
    if let Some(info) = read::info(&s.pool, &hash_text).await? {
        return Ok((StatusCode::OK, Json(stored(&s, &hash_text, info)?)));
    }
    let (width, height) = dimensions(&bytes, format)?;
    let permit = DECODING
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("decoder permits: {e}")))?;
    let decode_bytes = bytes.clone();
    let made = tokio::task::spawn_blocking(move || make_thumbnail(&decode_bytes, format))
        .await
        .map_err(|e| ApiError::Internal(format!("thumbnail task: {e}")))?;
    drop(permit);
    let thumb = made?;
    let new = NewPicture {
        hash: &hash_text,
        raw: &bytes,
        content_type: declared,
        width,
        height,
        thumbnail: &thumb.bytes,
        thumbnail_type: &thumb.content_type,
        uploaded_by: &session.address,
    };
    let inserted = read::store(&s.pool, &new).await?;
    let info = PictureInfo {
        content_type: declared.to_string(),
        width,
        height,
        bytes: bytes.len() as u64,
    };
    let status = if inserted { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(stored(&s, &hash_text, info)?)))
}

/// A stored picture, byte for byte.
///
/// The exact bytes uploaded (their sha256 is `hash`), with the type they were uploaded as.
#[utoipa::path(
    get,
    path = "/pictures/{hash}",
    operation_id = "getPicture",
    tag = "pictures",
    params(
        ("hash" = cointent_domain::primitives::schema::Hash, Path, description = "The picture's sha256."),
    ),
    responses(
        (status = 200, description = "The picture, as uploaded.",
            headers(("Cache-Control" = String, description = "`public, max-age=31536000, immutable`.")),
            content((inline(Binary) = "image/png"), (inline(Binary) = "image/jpeg"), (inline(Binary) = "image/webp"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn original(
    State(s): State<AppState>,
    ApiPath(hash): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let hash = params::hash("hash", &hash)?;
    let file = read::original(&s.pool, &hash)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("picture {hash}")))?;
    Ok(serve(file))
}

/// A stored picture's thumbnail.
///
/// Longest side at most 320 pixels; JPEG, or PNG when the picture has transparency.
#[utoipa::path(
    get,
    path = "/pictures/{hash}/thumbnail",
    operation_id = "getPictureThumbnail",
    tag = "pictures",
    params(
        ("hash" = cointent_domain::primitives::schema::Hash, Path, description = "The picture's sha256."),
    ),
    responses(
        (status = 200, description = "The thumbnail.",
            headers(("Cache-Control" = String, description = "`public, max-age=31536000, immutable`.")),
            content((inline(Binary) = "image/jpeg"), (inline(Binary) = "image/png"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn thumbnail(
    State(s): State<AppState>,
    ApiPath(hash): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let hash = params::hash("hash", &hash)?;
    let file = read::thumbnail(&s.pool, &hash)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("picture {hash}")))?;
    Ok(serve(file))
}

fn serve(file: PictureFile) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            // The bytes can never change for a given hash.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_string()),
        ],
        file.bytes,
    )
}

fn stored(s: &AppState, hash: &str, info: PictureInfo) -> ApiResult<PictureStored> {
    let url = format!("{}/v1/pictures/{hash}", s.config.http.public_url);
    Ok(PictureStored {
        hash: hash.parse().map_err(|e| ApiError::Internal(format!("stored hash {hash}: {e}")))?,
        thumbnail_url: format!("{url}/thumbnail"),
        url,
        width: info.width,
        height: info.height,
        bytes: info.bytes,
        content_type: info.content_type,
    })
}

fn unsupported() -> ApiError {
    ApiError::UnsupportedMediaType(format!(
        "a picture's Content-Type must be one of {}",
        PICTURE_TYPES.join(", ")
    ))
}

/// The declared media type, one of [`PICTURE_TYPES`] (parameters ignored), or 415.
fn declared_type(headers: &HeaderMap) -> ApiResult<&'static str> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    PICTURE_TYPES.into_iter().find(|t| t.eq_ignore_ascii_case(declared)).ok_or_else(unsupported)
}

/// The whole body, or 413 naming the limit as soon as it is known to be larger.
async fn read_limited(headers: &HeaderMap, body: Body, max: usize) -> ApiResult<Bytes> {
    let too_large = || ApiError::PayloadTooLarge(format!("a picture is at most {max} bytes"));
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::with_capacity(declared_length.unwrap_or(0) as usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad("body", format!("could not be read: {e}")))?;
        if bytes.len() + chunk.len() > max {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.into())
}

/// The format of the bytes, which must be the declared type's (415 otherwise).
fn check_magic(declared: &str, bytes: &[u8]) -> ApiResult<ImageFormat> {
    let actual = sniff(bytes);
    let wanted = match declared {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        _ => ImageFormat::WebP,
    };
    match actual {
        Some(f) if f == wanted => Ok(f),
        Some(f) => Err(ApiError::UnsupportedMediaType(format!(
            "the bytes are {}, not {declared} as declared; send them as {} (accepted: {})",
            f.to_mime_type(),
            f.to_mime_type(),
            PICTURE_TYPES.join(", ")
        ))),
        None => Err(ApiError::UnsupportedMediaType(format!(
            "the bytes are not {declared} (no {declared} signature); accepted: {}",
            PICTURE_TYPES.join(", ")
        ))),
    }
}

/// The accepted format whose signature starts `bytes`.
fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// Width and height from the header alone; 400 when unreadable or over [`MAX_PIXELS`].
fn dimensions(bytes: &[u8], format: ImageFormat) -> ApiResult<(u32, u32)> {
    let (w, h) = ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| ApiError::bad("body", format!("not a readable picture: {e}")))?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(ApiError::bad(
            "body",
            format!("the picture is {w}x{h} pixels; at most {MAX_PIXELS} pixels are accepted"),
        ));
    }
    if w == 0 || h == 0 {
        return Err(ApiError::bad("body", "the picture has no pixels"));
    }
    Ok((w, h))
}

/// A thumbnail's bytes and type.
#[derive(Debug)]
struct Thumbnail {
    bytes: Vec<u8>,
    content_type: String,
}

/// Decodes the picture (400 when it does not) and makes its thumbnail: longest side at most
/// [`THUMBNAIL_MAX_SIDE`], aspect kept, JPEG, or PNG when the picture has transparency.
fn make_thumbnail(bytes: &[u8], format: ImageFormat) -> ApiResult<Thumbnail> {
    if format == ImageFormat::Jpeg && !jpeg_complete(bytes) {
        return Err(ApiError::bad(
            "body",
            "does not decode: the JPEG ends before its end-of-image marker (truncated)",
        ));
    }
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    let side = u32::try_from(MAX_PIXELS).unwrap_or(u32::MAX);
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    reader.limits(limits);
    let picture: DynamicImage =
        reader.decode().map_err(|e| ApiError::bad("body", format!("does not decode: {e}")))?;
    let small = if picture.width().max(picture.height()) > THUMBNAIL_MAX_SIDE {
        picture.thumbnail(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE)
    } else {
        picture
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let content_type = if small.color().has_alpha() {
        DynamicImage::ImageRgba8(small.to_rgba8())
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| ApiError::Internal(format!("thumbnail png: {e}")))?;
        "image/png"
    } else {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
        DynamicImage::ImageRgb8(small.to_rgb8())
            .write_with_encoder(encoder)
            .map_err(|e| ApiError::Internal(format!("thumbnail jpeg: {e}")))?;
        "image/jpeg"
    };
    Ok(Thumbnail { bytes: out.into_inner(), content_type: content_type.into() })
}

/// Whether a JPEG's last scan is followed by its end-of-image marker. The decoder accepts a
/// truncated scan (filling the rest in grey), so this is what refuses a cut-off upload. The
/// scan's entropy-coded bytes never hold `FF DA` or `FF D9` (an `FF` there is stuffed with
/// `00` or starts a restart marker), so the last `FF DA` is the last scan's start even with
/// an EXIF thumbnail before it, and bytes after the end marker are allowed.
fn jpeg_complete(bytes: &[u8]) -> bool {
    let Some(sos) = bytes.windows(2).rposition(|w| w == [0xff, 0xda]) else { return false };
    bytes[sos..].windows(2).any(|w| w == [0xff, 0xd9])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, alpha: bool) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let picture = if alpha {
            DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(w, h, image::Rgba([1, 2, 3, 4])))
        } else {
            DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([9, 8, 7])))
        };
        picture.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn magic_must_match_the_declared_type() {
        let bytes = png(4, 3, false);
        assert_eq!(check_magic("image/png", &bytes).unwrap(), ImageFormat::Png);
        let err = check_magic("image/jpeg", &bytes).unwrap_err().to_string();
        assert!(err.contains("image/png, not image/jpeg"), "{err}");
        assert!(check_magic("image/webp", b"RIFF\0\0\0\0WEBPVP8 ").is_ok());
        assert!(check_magic("image/png", b"GIF89a").is_err());
        assert!(check_magic("image/jpeg", b"").is_err());
    }

    #[test]
    fn thumbnails_fit_320_and_keep_aspect_and_alpha() {
        let t = make_thumbnail(&png(800, 400, false), ImageFormat::Png).unwrap();
        assert_eq!(t.content_type, "image/jpeg");
        let img = image::load_from_memory(&t.bytes).unwrap();
        assert_eq!((img.width(), img.height()), (320, 160));
        let t = make_thumbnail(&png(100, 300, true), ImageFormat::Png).unwrap();
        assert_eq!(t.content_type, "image/png");
        let img = image::load_from_memory(&t.bytes).unwrap();
        // Already small: not enlarged.
        assert_eq!((img.width(), img.height()), (100, 300));
        let mut jpeg = std::io::Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(200, 200, |x, y| {
            image::Rgb([x as u8, y as u8, (x ^ y) as u8])
        }))
        .write_to(&mut jpeg, ImageFormat::Jpeg)
        .unwrap();
        let mut jpeg = jpeg.into_inner();
        jpeg.truncate(jpeg.len() / 2);
        // The JPEG decoder fills a truncated scan in grey: the missing end marker refuses it.
        let err = make_thumbnail(&jpeg, ImageFormat::Jpeg).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
        let mut cut = png(50, 50, false);
        cut.truncate(cut.len() / 2);
        assert!(make_thumbnail(&cut, ImageFormat::Png).is_err());
    }
}

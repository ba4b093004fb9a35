//! The `pictures` area of the API: product pictures (`POST /v1/pictures`, answered with
//! [`PictureStored`]; `GET /v1/pictures/{hash}` and `GET /v1/pictures/{hash}/thumbnail`, the
//! exact bytes).
//!
//! A picture is stored under the sha256 of its exact bytes, with a thumbnail made at upload;
//! a metadata document's `images` carry its `url`. [`thumbnail_url`] is how a page that only
//! has that URL finds the thumbnail.

use serde::{Deserialize, Serialize};

/// The media types a picture may have.
pub const PICTURE_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_MAX_SIDE: u32 = 320;

/// A stored picture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PictureStored {
    /// sha256 of the exact bytes uploaded.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub hash: alloy_primitives::B256,
    /// Where the picture is served (absolute, under the server's public URL): what a
    /// metadata document's `images` carry.
    pub url: String,
    /// Where its thumbnail is served (longest side at most 320 pixels, JPEG, or PNG when
    /// the picture has transparency).
    pub thumbnail_url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub bytes: u64,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub content_type: String,
}

/// The thumbnail's URL of a picture URL this API serves (`.../v1/pictures/0x<64 hex>`),
/// or `None` for any other URL.
pub fn thumbnail_url(url: &str) -> Option<String> {
    picture_hash(url).map(|_| format!("{url}/thumbnail"))
}

/// The hash (`0x` and 64 lower-case hex digits) in a picture URL this API serves
/// (`.../v1/pictures/0x<64 hex>`, thumbnail or not), or `None` for any other URL.
pub fn picture_hash(url: &str) -> Option<&str> {
    let path = url.split(['?', '#']).next()?;
    let path = path.strip_suffix("/thumbnail").unwrap_or(path);
    let (before, hash) = path.rsplit_once('/')?;
    let hex = hash.strip_prefix("0x")?;
    let ok = before.ends_with("/v1/pictures")
        && hex.len() == 64
        && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ok.then_some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnail_urls_only_for_our_pictures() {
        let h = format!("0x{}", "ab".repeat(32));
        let ours = format!("http://127.0.0.1:8080/v1/pictures/{h}");
        assert_eq!(thumbnail_url(&ours), Some(format!("{ours}/thumbnail")));
        assert_eq!(picture_hash(&ours), Some(h.as_str()));
        assert_eq!(picture_hash(&format!("{ours}/thumbnail")), Some(h.as_str()));
        for other in [
            "https://img.example/bowl.jpg".to_string(),
            format!("https://x/v1/metadata/{h}"),
            format!("https://x/v1/pictures/{}", &h[..10]),
            format!("https://x/v1/pictures/{}", h.to_uppercase().replace("0X", "0x")),
            format!("https://x/v1/pictures/{h}/other"),
        ] {
            assert_eq!(thumbnail_url(&other), None, "{other}");
        }
    }
}

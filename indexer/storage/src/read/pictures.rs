//! Product pictures, for `/v1/pictures`: stored under the sha256 of their exact bytes
//! (computed, checked and thumbnailed by the caller).

use sqlx::PgPool;

/// A picture to store.
#[derive(Debug, Clone)]
pub struct NewPicture<'a> {
    /// `0x` sha256 of `raw`, lower-case.
    pub hash: &'a str,
    /// The bytes as uploaded.
    pub raw: &'a [u8],
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub content_type: &'a str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The thumbnail's bytes.
    pub thumbnail: &'a [u8],
    /// `image/png` or `image/jpeg`.
    pub thumbnail_type: &'a str,
    /// The signed-in address that uploaded it (lower-case `0x` hex).
    pub uploaded_by: &'a str,
}

/// What is known of a stored picture, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureInfo {
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub content_type: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub bytes: u64,
}

/// A stored file: its bytes and media type.
#[derive(Debug, Clone)]
pub struct PictureFile {
    /// The media type.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Stores a picture unless one with its hash is stored already; true when stored now.
#[tracing::instrument(skip(pool, new), fields(hash = new.hash))]
pub async fn store(pool: &PgPool, new: &NewPicture<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "INSERT INTO pictures (hash, raw, content_type, width, height, thumbnail, thumbnail_type,
                               uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (hash) DO NOTHING",
        new.hash,
        new.raw,
        new.content_type,
        i32::try_from(new.width).unwrap_or(i32::MAX),
        i32::try_from(new.height).unwrap_or(i32::MAX),
        new.thumbnail,
        new.thumbnail_type,
        new.uploaded_by
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug)]
struct InfoRow {
    content_type: String,
    width: i32,
    height: i32,
    bytes: i32,
}

/// The stored picture under `hash` (lower-case `0x` hex), without its bytes.
#[tracing::instrument(skip(pool))]
pub async fn info(pool: &PgPool, hash: &str) -> sqlx::Result<Option<PictureInfo>> {
    let row = sqlx::query_as!(
        InfoRow,
        r#"SELECT content_type, width, height, length(raw) AS "bytes!"
         FROM pictures WHERE hash = $1"#,
        hash
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| PictureInfo {
        content_type: r.content_type,
        width: r.width.try_into().unwrap_or_default(),
        height: r.height.try_into().unwrap_or_default(),
        bytes: r.bytes.try_into().unwrap_or_default(),
    }))
}

/// The exact bytes stored under `hash` (lower-case `0x` hex), with their media type.
#[tracing::instrument(skip(pool))]
pub async fn original(pool: &PgPool, hash: &str) -> sqlx::Result<Option<PictureFile>> {
    sqlx::query_as!(
        PictureFile,
        r#"SELECT content_type, raw AS bytes FROM pictures WHERE hash = $1"#,
        hash
    )
    .fetch_optional(pool)
    .await
}

/// The thumbnail of the picture stored under `hash` (lower-case `0x` hex), with its media
/// type.
#[tracing::instrument(skip(pool))]
pub async fn thumbnail(pool: &PgPool, hash: &str) -> sqlx::Result<Option<PictureFile>> {
    sqlx::query_as!(
        PictureFile,
        r#"SELECT thumbnail_type AS content_type, thumbnail AS bytes FROM pictures
         WHERE hash = $1"#,
        hash
    )
    .fetch_optional(pool)
    .await
}

//! `/v1/pictures`: product pictures uploaded by a signed-in maker, content-addressed by
//! sha256, checked for size, type and pixel count, served byte-exact with a thumbnail.

use eyre::Result;
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use reqwest::header::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::world::World;

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A picture of `w`x`h` pixels with a gradient (so JPEG has something to compress), encoded
/// as `format`.
fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let rgb = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, ((x + y) % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(rgb).write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A PNG whose header claims `w`x`h` pixels, with one tiny (wrong) data chunk: what a
/// decompression bomb looks like before decoding.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

async fn upload(
    world: &World,
    token: Option<&str>,
    bytes: Vec<u8>,
    content_type: &str,
) -> Result<(u16, Value)> {
    let mut request =
        world.http.post(world.url("/v1/pictures")).header("content-type", content_type).body(bytes);
    if let Some(token) = token {
        request = request.header("authorization", bearer(token));
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

async fn fetch(world: &World, url: &str) -> Result<(u16, HeaderMap, Vec<u8>)> {
    let response = world.http.get(url).send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Ok((status, headers, response.bytes().await?.to_vec()))
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_round_trip_byte_exact_with_thumbnails() -> Result<()> {
    let world = World::start(42320).await?;
    let token = world.sign_in(4).await?;
    for (format, content_type, (w, h)) in [
        (ImageFormat::Png, "image/png", (900, 600)),
        (ImageFormat::Jpeg, "image/jpeg", (400, 1000)),
    ] {
        let bytes = picture(w, h, format);
        let hash = format!("0x{}", hex(&Sha256::digest(&bytes)));
        let (status, stored) = upload(&world, Some(&token), bytes.clone(), content_type).await?;
        assert_eq!(status, 201, "{stored}");
        assert_eq!(stored["hash"], hash.as_str());
        let url = format!("{}/v1/pictures/{hash}", world.base);
        assert_eq!(stored["url"], url.as_str());
        assert_eq!(stored["thumbnail_url"], format!("{url}/thumbnail").as_str());
        assert_eq!(
            (stored["width"].as_u64(), stored["height"].as_u64()),
            (Some(w.into()), Some(h.into()))
        );
        assert_eq!(stored["bytes"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(stored["content_type"], content_type);

        let (status, headers, got) = fetch(&world, &url).await?;
        assert_eq!(status, 200);
        assert_eq!(got, bytes, "byte-exact");
        assert_eq!(headers["content-type"], content_type);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["cache-control"].to_str()?.contains("immutable"), "{headers:?}");

        let (status, headers, thumb) = fetch(&world, &format!("{url}/thumbnail")).await?;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["cache-control"].to_str()?.contains("immutable"));
        let small = image::load_from_memory_with_format(&thumb, ImageFormat::Jpeg)?;
        let (tw, th) = (small.width(), small.height());
        assert_eq!(tw.max(th), 320, "longest side {tw}x{th}");
        // The aspect kept, to the pixel.
        let expected_short = (f64::from(w.min(h)) * 320.0 / f64::from(w.max(h))).round() as i64;
        assert!((i64::from(tw.min(th)) - expected_short).abs() <= 1, "{tw}x{th} of {w}x{h}");
        assert_eq!(tw > th, w > h);

        // The same bytes again: 200, the same hash, nothing new stored.
        let (status, again) = upload(&world, Some(&token), bytes.clone(), content_type).await?;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again, stored);
    }
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pictures").fetch_one(&world.pool).await?;
    assert_eq!(count, 2);
    let uploader: String = sqlx::query_scalar("SELECT uploaded_by FROM pictures LIMIT 1")
        .fetch_one(&world.pool)
        .await?;
    assert_eq!(uploader, format!("{:#x}", crate::common::dev(4)));

    // A picture with transparency keeps it: a PNG thumbnail.
    let rgba = RgbaImage::from_fn(640, 64, |x, _| image::Rgba([200, 10, 10, (x % 256) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(rgba).write_to(&mut out, ImageFormat::Png)?;
    let (status, stored) = upload(&world, Some(&token), out.into_inner(), "image/png").await?;
    assert_eq!(status, 201, "{stored}");
    let (_, headers, thumb) = fetch(&world, stored["thumbnail_url"].as_str().unwrap()).await?;
    assert_eq!(headers["content-type"], "image/png");
    let small = image::load_from_memory_with_format(&thumb, ImageFormat::Png)?;
    assert_eq!((small.width(), small.height()), (320, 32));
    assert!(small.color().has_alpha());

    // Unknown hashes are 404, malformed ones 400.
    let unknown = format!("{}/v1/pictures/0x{}", world.base, "ab".repeat(32));
    assert_eq!(fetch(&world, &unknown).await?.0, 404);
    assert_eq!(fetch(&world, &format!("{unknown}/thumbnail")).await?.0, 404);
    assert_eq!(fetch(&world, &format!("{}/v1/pictures/0x12", world.base)).await?.0, 400);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_are_checked_for_session_size_type_and_pixels() -> Result<()> {
    // A small limit, so an over-limit picture is quick to make; larger than body_limit_bytes
    // would be just as well (this route has its own limit).
    let world = World::start_with(42321, |c| c.http.picture_max_bytes = 50_000).await?;
    let token = world.sign_in(5).await?;
    let png = picture(64, 48, ImageFormat::Png);

    // No session: 401.
    let (status, body) = upload(&world, None, png.clone(), "image/png").await?;
    assert_eq!(status, 401, "{body}");

    // Over the limit: 413 naming it (whether or not the client sent a length first).
    let big = picture(600, 600, ImageFormat::Png);
    assert!(big.len() > 50_000, "{}", big.len());
    let (status, body) = upload(&world, Some(&token), big.clone(), "image/png").await?;
    assert_eq!(status, 413, "{body}");
    assert!(message(&body).contains("50000 bytes"), "{body}");
    assert_eq!(chunked_upload_status(&world, &token, &big).await?, 413, "streamed, no length");

    // Other types: 415 naming the accepted ones.
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    for (bytes, content_type) in [
        (gif.clone(), "image/gif"),
        (svg.clone(), "image/svg+xml"),
        (b"hello".to_vec(), "text/plain"),
        (png.clone(), "application/octet-stream"),
        // Declared as a picture type, but the bytes are not that type.
        (gif, "image/png"),
        (svg, "image/webp"),
        (png.clone(), "image/jpeg"),
    ] {
        let (status, body) = upload(&world, Some(&token), bytes, content_type).await?;
        assert_eq!(status, 415, "{content_type}: {body}");
        assert!(message(&body).contains("image/png, image/jpeg, image/webp"), "{body}");
    }
    let (_, body) = upload(&world, Some(&token), png.clone(), "image/jpeg").await?;
    assert!(message(&body).contains("the bytes are image/png, not image/jpeg"), "{body}");

    // Truncated: 400.
    let mut cut = png.clone();
    cut.truncate(png.len() / 2);
    let (status, body) = upload(&world, Some(&token), cut, "image/png").await?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "body");

    // A truncated JPEG too (its decoder alone would fill the rest in grey).
    let mut cut = picture(64, 48, ImageFormat::Jpeg);
    cut.truncate(cut.len() * 2 / 3);
    let (status, body) = upload(&world, Some(&token), cut, "image/jpeg").await?;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("truncated"), "{body}");

    // A header claiming 100000x100000 pixels: 400 from the header, nothing decoded.
    let bomb = png_claiming(100_000, 100_000);
    let started = std::time::Instant::now();
    let (status, body) = upload(&world, Some(&token), bomb, "image/png").await?;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("100000x100000"), "{body}");
    assert!(message(&body).contains("40000000 pixels"), "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "decoded? {:?}",
        started.elapsed()
    );
    // Within the cap, the same forged file gets past the header and fails to decode.
    let (status, body) = upload(&world, Some(&token), png_claiming(100, 100), "image/png").await?;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("does not decode"), "{body}");

    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pictures").fetch_one(&world.pool).await?;
    assert_eq!(count, 0, "nothing refused was stored");
    // And the picture itself is accepted.
    assert_eq!(upload(&world, Some(&token), png, "image/png").await?.0, 201);
    Ok(())
}

/// POSTs `bytes` as a PNG with `Transfer-Encoding: chunked` (no `Content-Length`, so the
/// server only learns the size by reading); the status.
async fn chunked_upload_status(world: &World, token: &str, bytes: &[u8]) -> Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = world.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let head = format!(
        "POST /v1/pictures HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: image/png\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await?;
    for chunk in bytes.chunks(8192) {
        let sent = async {
            stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await
        };
        // The server may answer and close before the last chunk: that is the point.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok());
    status.ok_or_else(|| eyre::eyre!("no status in {answer:?}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! A contact's picture: an upload of at most `MAX_UPLOAD` bytes in a format the server reads,
//! scaled down to fit `SIDE` pixels and stored as JPEG (small enough for phones, whatever
//! was uploaded). Decoding is bounded, so a small file that claims a huge image is refused.

use crate::domain::messages::Msg;
use image::{codecs::jpeg::JpegEncoder, imageops::FilterType, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;
/// The longest side of a stored picture.
pub const SIDE: u32 = 256;
const QUALITY: u8 = 85;

/// The stored form of an uploaded picture.
pub fn normalise(upload: &[u8]) -> Result<Vec<u8>, Msg> {
    if upload.len() > MAX_UPLOAD {
        return Err(Msg::PictureTooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|_| Msg::PictureFormat)?;
    let readable = [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Gif,
        ImageFormat::WebP,
    ];
    if !reader.format().is_some_and(|f| readable.contains(&f)) {
        return Err(Msg::PictureFormat);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => Msg::PictureTooLarge,
        _ => Msg::PictureFormat,
    })?;
    let image = if image.width() > SIDE || image.height() > SIDE {
        image.resize(SIDE, SIDE, FilterType::Triangle)
    } else {
        image
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&image.to_rgb8())
        .map_err(|_| Msg::PictureFormat)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, RgbImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(RgbImage::from_pixel(
            width,
            height,
            image::Rgb([200, 30, 30]),
        ))
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
        out
    }

    #[test]
    fn a_large_picture_is_scaled_to_fit_and_stored_as_jpeg() {
        let stored = normalise(&png(1200, 600)).unwrap();
        let back = image::load_from_memory(&stored).unwrap();
        assert_eq!(image::guess_format(&stored).unwrap(), ImageFormat::Jpeg);
        assert_eq!((back.width(), back.height()), (256, 128));
        assert!(stored.len() < 48 * 1024, "{} bytes", stored.len());
    }

    #[test]
    fn a_small_picture_keeps_its_size() {
        let back = image::load_from_memory(&normalise(&png(40, 50)).unwrap()).unwrap();
        assert_eq!((back.width(), back.height()), (40, 50));
    }

    #[test]
    fn what_is_not_a_readable_picture_is_refused_with_a_reason() {
        assert_eq!(normalise(b"BEGIN:VCARD\r\n"), Err(Msg::PictureFormat));
        assert_eq!(normalise(&[]), Err(Msg::PictureFormat));
        let mut cut = png(300, 300);
        cut.truncate(cut.len() / 2);
        assert_eq!(normalise(&cut), Err(Msg::PictureFormat));
        assert_eq!(
            normalise(&vec![0; MAX_UPLOAD + 1]),
            Err(Msg::PictureTooLarge)
        );
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_small_file_claiming_a_huge_image_is_refused() {
        // A PNG header that claims 100,000 × 100,000 pixels.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        // The IHDR chunk's CRC (over its type and data), so only the size is wrong.
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(normalise(&bomb), Err(Msg::PictureTooLarge));
    }
}

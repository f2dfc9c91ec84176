//! Multi-page TIFF, decoded directly with the `tiff` crate.
//!
//! `image`'s TIFF support stops at the first IFD, but faxes and scanner
//! output put one page per IFD, so pages are walked here. The IFD chain is
//! counted first (reading directory entries only, no pixel data, with loop
//! detection) so that [`InputError::TooManyPages`] is raised before any
//! page is decoded; then each page's declared size is checked against
//! [`Limits`] before its pixels are read.
//!
//! Supported sample layouts: grey, grey+alpha, RGB, RGBA, CMYK(+alpha),
//! each as 1/2/4/8/16/32/64-bit unsigned integers or 32/64-bit floats,
//! chunky or planar, any compression the `tiff` crate reads (none, LZW,
//! Deflate, PackBits, JPEG, CCITT fax…). `WhiteIsZero` is inverted by the
//! crate. Palette and Lab images are refused as unsupported.

use std::collections::HashSet;
use std::io::Cursor;

use image::RgbImage;
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::Tag;
use tiff::{ColorType, TiffError};

use crate::limits::Deadline;
use crate::{color, exif, Format, InputError, Limits};

const FORMAT: Format = Format::Tiff;

type TiffDecoder<'a> = Decoder<Cursor<&'a [u8]>>;

fn open<'a>(bytes: &'a [u8], limits: &Limits) -> Result<TiffDecoder<'a>, InputError> {
    let mut tl = tiff::decoder::Limits::default();
    tl.decoding_buffer_size = usize::try_from(limits.max_alloc()).unwrap_or(usize::MAX);
    Ok(Decoder::new(Cursor::new(bytes))
        .map_err(|e| map_error(e, None, limits))?
        .with_limits(tl))
}

/// A TIFF being read page by page: the IFD chain was counted when it was opened; each page's pixels are
/// decoded only when asked for.
pub(crate) struct TiffPages<'a> {
    dec: TiffDecoder<'a>,
    count: usize,
    /// Index of the page the decoder stands on.
    current: usize,
}

impl<'a> TiffPages<'a> {
    /// Opens the file and counts its pages (directory entries only, no pixel data, loops refused).
    pub(crate) fn open(
        bytes: &'a [u8],
        limits: &Limits,
        deadline: &Deadline,
    ) -> Result<TiffPages<'a>, InputError> {
        let mut dec = open(bytes, limits)?;
        // Reading directories does not move the decoder off the first page.
        let count = count_pages(&mut dec, limits, deadline)?;
        Ok(TiffPages {
            dec,
            count,
            current: 0,
        })
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Decodes page `index`; pages are read in order (`index` never goes back).
    pub(crate) fn page(&mut self, index: usize, limits: &Limits) -> Result<RgbImage, InputError> {
        while self.current < index {
            self.dec
                .next_image()
                .map_err(|e| map_error(e, None, limits))?;
            self.current += 1;
        }
        decode_current(&mut self.dec, limits)
    }
}

fn count_pages(
    dec: &mut TiffDecoder<'_>,
    limits: &Limits,
    deadline: &Deadline,
) -> Result<usize, InputError> {
    let mut seen = HashSet::new();
    let mut next = dec.ifd_pointer();
    let mut pages = 0usize;
    while let Some(ptr) = next {
        if !seen.insert(ptr.0) {
            return Err(InputError::corrupt(
                FORMAT,
                "the page directory list loops back on itself",
            ));
        }
        pages += 1;
        deadline.check()?;
        next = dec
            .read_directory(ptr)
            .map_err(|e| map_error(e, None, limits))?
            .next();
    }
    Ok(pages)
}

/// Decodes the decoder's current IFD into upright RGB.
fn decode_current(dec: &mut TiffDecoder<'_>, limits: &Limits) -> Result<RgbImage, InputError> {
    let (w, h) = dec.dimensions().map_err(|e| map_error(e, None, limits))?;
    limits.check_dimensions(w, h)?;
    if w == 0 || h == 0 {
        return Err(InputError::corrupt(
            FORMAT,
            "a page has zero width or height",
        ));
    }
    let dims = Some((w, h));
    let color_type = dec.colortype().map_err(|e| map_error(e, dims, limits))?;
    let orientation = dec
        .find_tag_unsigned::<u64>(Tag::Orientation)
        .ok()
        .flatten()
        .map(exif::from_tag)
        .unwrap_or(image::metadata::Orientation::NoTransforms);

    let (spp, bits) = match color_type {
        ColorType::Gray(b) => (1, b),
        ColorType::GrayA(b) => (2, b),
        ColorType::RGB(b) => (3, b),
        ColorType::RGBA(b) => (4, b),
        ColorType::CMYK(b) => (4, b),
        ColorType::CMYKA(b) => (5, b),
        ColorType::Multiband {
            bit_depth,
            num_samples,
        } => (usize::from(num_samples), bit_depth),
        other => {
            return Err(InputError::corrupt(
                FORMAT,
                format!("unsupported colour type {other:?}"),
            ))
        }
    };
    if spp == 0 {
        return Err(InputError::corrupt(FORMAT, "a page has no colour samples"));
    }

    let mut buf = DecodingResult::U8(Vec::new());
    let layout = dec
        .read_image_to_buffer(&mut buf)
        .map_err(|e| map_error(e, dims, limits))?;
    if buf.as_buffer(0).as_bytes().len() < layout.complete_len {
        // The crate fell back to one plane because all would not fit.
        return Err(InputError::TooManyPixels {
            width: w,
            height: h,
            max: limits.max_pixels,
        });
    }

    let n = w as usize * h as usize;
    let samples = normalize(
        &buf,
        bits,
        w as usize,
        h as usize,
        spp,
        layout.planes,
        layout.row_stride.map(|s| s.get()),
    )?;
    if samples.len() < n * spp {
        return Err(InputError::corrupt(
            FORMAT,
            "a page holds less image data than its size requires",
        ));
    }

    let mut rgb = Vec::with_capacity(n * 3);
    for px in samples.chunks_exact(spp).take(n) {
        let p = match (color_type, spp) {
            (ColorType::RGB(_), _) => [px[0], px[1], px[2]],
            (ColorType::RGBA(_), _) => {
                let a = px[3];
                [
                    color::over_white(px[0], a),
                    color::over_white(px[1], a),
                    color::over_white(px[2], a),
                ]
            }
            (ColorType::CMYK(_) | ColorType::CMYKA(_), _) => {
                cmyk_to_rgb(px[0], px[1], px[2], px[3])
            }
            // Grey plus alpha; `tiff` reports BlackIsZero with an extra
            // sample as Multiband rather than GrayA.
            (ColorType::GrayA(_), _) | (ColorType::Multiband { .. }, 2) => {
                let v = color::over_white(px[0], px[1]);
                [v, v, v]
            }
            // Grey, or the first band of anything else multi-band.
            _ => [px[0], px[0], px[0]],
        };
        rgb.extend_from_slice(&p);
    }
    let img = RgbImage::from_raw(w, h, rgb).expect("buffer length matches dimensions");
    Ok(exif::apply(img, orientation))
}

/// Converts decoded samples of any supported depth to interleaved 8-bit
/// samples (`w * h * spp` of them).
fn normalize(
    buf: &DecodingResult,
    bits: u8,
    w: usize,
    h: usize,
    spp: usize,
    planes: usize,
    row_stride: Option<usize>,
) -> Result<Vec<u8>, InputError> {
    let n = w * h;
    let short = || {
        InputError::corrupt(
            FORMAT,
            "a page holds less image data than its size requires",
        )
    };
    match buf {
        DecodingResult::U8(data) if bits < 8 => {
            if planes > 1 || !matches!(bits, 1 | 2 | 4) {
                return Err(InputError::corrupt(
                    FORMAT,
                    format!("unsupported {bits}-bit sample layout"),
                ));
            }
            let bits = usize::from(bits);
            let per_row = w * spp;
            let stride = row_stride.unwrap_or((per_row * bits).div_ceil(8));
            let mask = (1u16 << bits) - 1;
            let mut out = Vec::with_capacity(n * spp);
            for y in 0..h {
                let row = data
                    .get(y * stride..y * stride + (per_row * bits).div_ceil(8))
                    .ok_or_else(short)?;
                for s in 0..per_row {
                    let bit = s * bits;
                    let byte = u16::from(row[bit / 8]);
                    let v = (byte >> (8 - bits - bit % 8)) & mask;
                    out.push((v * 255 / mask) as u8);
                }
            }
            Ok(out)
        }
        DecodingResult::U8(d) => gather(d, n, spp, planes, |v| v).ok_or_else(short),
        DecodingResult::U16(d) => gather(d, n, spp, planes, |v| (v >> 8) as u8).ok_or_else(short),
        DecodingResult::U32(d) => gather(d, n, spp, planes, |v| (v >> 24) as u8).ok_or_else(short),
        DecodingResult::U64(d) => gather(d, n, spp, planes, |v| (v >> 56) as u8).ok_or_else(short),
        DecodingResult::F32(d) => {
            gather(d, n, spp, planes, |v| unit_to_u8(f64::from(v))).ok_or_else(short)
        }
        DecodingResult::F64(d) => gather(d, n, spp, planes, unit_to_u8).ok_or_else(short),
        _ => Err(InputError::corrupt(
            FORMAT,
            "unsupported sample format (signed or 16-bit float samples)",
        )),
    }
}

fn unit_to_u8(v: f64) -> u8 {
    if v.is_nan() {
        0
    } else {
        (v.clamp(0.0, 1.0) * 255.0).round() as u8
    }
}

/// Interleaves (if planar) and converts `n * spp` samples.
fn gather<T: Copy>(
    data: &[T],
    n: usize,
    spp: usize,
    planes: usize,
    f: impl Fn(T) -> u8,
) -> Option<Vec<u8>> {
    let total = n.checked_mul(spp)?;
    if data.len() < total {
        return None;
    }
    if planes <= 1 {
        return Some(data[..total].iter().map(|&v| f(v)).collect());
    }
    // Planar: one sample per pixel per plane, planes stored back to back.
    let mut out = Vec::with_capacity(total);
    for p in 0..n {
        for c in 0..spp {
            out.push(f(data[c * n + p]));
        }
    }
    Some(out)
}

fn cmyk_to_rgb(c: u8, m: u8, y: u8, k: u8) -> [u8; 3] {
    let kf = 255 - u32::from(k);
    let ch = |v: u8| ((255 - u32::from(v)) * kf / 255) as u8;
    [ch(c), ch(m), ch(y)]
}

fn map_error(e: TiffError, dims: Option<(u32, u32)>, limits: &Limits) -> InputError {
    match e {
        TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            InputError::Truncated { format: FORMAT }
        }
        TiffError::LimitsExceeded | TiffError::IntSizeError => match dims {
            Some((width, height)) => InputError::TooManyPixels {
                width,
                height,
                max: limits.max_pixels,
            },
            None => InputError::corrupt(
                FORMAT,
                "the file needs more memory to decode than is allowed",
            ),
        },
        TiffError::UnsupportedError(u) => {
            InputError::corrupt(FORMAT, format!("unsupported TIFF feature ({u})"))
        }
        other => InputError::corrupt(FORMAT, other.to_string()),
    }
}

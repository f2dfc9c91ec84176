//! The one error type of this crate.
//!
//! Every variant's `Display` text is written for the *end user*: the HTTP
//! layer returns it verbatim inside CLOVA-style error bodies, so it says what
//! was wrong with the upload and, where it helps, what to do about it. No
//! variant leaks file paths or internal state.

use crate::Format;

/// Why an uploaded file could not be turned into page images.
#[derive(thiserror::Error, Debug)]
pub enum InputError {
    /// The upload contained no bytes at all.
    #[error("the uploaded file is empty")]
    Empty,

    /// The leading bytes match none of the supported formats.
    #[error(
        "the file format is not recognised; supported formats are JPEG, PNG, BMP, TIFF, PDF, GIF and WebP"
    )]
    UnknownFormat,

    /// The file stops before its image data is complete (for example an
    /// interrupted upload).
    #[error("the {format} file is incomplete (it ends before the image data does); please upload the whole file")]
    Truncated {
        /// The format the file was recognised as.
        format: Format,
    },

    /// The decoder rejected the file: damaged data, or a feature of the
    /// format that is not supported (for example a password-protected PDF).
    #[error("the {format} file could not be read: {detail}")]
    Corrupt {
        /// The format the file was recognised as.
        format: Format,
        /// What the decoder objected to.
        detail: String,
    },

    /// The upload is bigger than [`Limits::max_bytes`](crate::Limits::max_bytes).
    #[error("the file is too large ({bytes} bytes); the limit is {max} bytes")]
    TooLarge {
        /// Size of the upload.
        bytes: usize,
        /// The configured limit.
        max: usize,
    },

    /// A page is bigger than [`Limits::max_pixels`](crate::Limits::max_pixels)
    /// or has a side longer than [`Limits::max_side`](crate::Limits::max_side).
    /// Detected from the header, before any pixel memory is allocated.
    #[error(
        "the image is too large ({width}x{height} pixels); the limit is {max} pixels per page and a bounded side length, please downscale it"
    )]
    TooManyPixels {
        /// Width declared by the file.
        width: u32,
        /// Height declared by the file.
        height: u32,
        /// The configured pixel limit.
        max: u64,
    },

    /// A multi-page document has more pages than
    /// [`Limits::max_pages`](crate::Limits::max_pages).
    #[error("the document has {pages} pages; at most {max} pages can be processed per request")]
    TooManyPages {
        /// Number of pages in the document.
        pages: usize,
        /// The configured limit.
        max: usize,
    },

    /// Decoding ran past [`Limits::max_decode_time`](crate::Limits::max_decode_time).
    #[error("the file took too long to decode (more than {seconds} s); try fewer pages or a smaller file")]
    Timeout {
        /// The configured limit in whole seconds.
        seconds: u64,
    },

    /// Decoding needed more of a resource than [`Limits`](crate::Limits) allow (the PDF renderer's
    /// memory budget [`Limits::pdf_memory`](crate::Limits::pdf_memory), or its CPU time): a
    /// decompression bomb, or a document too heavy to draw.
    #[error("the file needs more {resource} to decode than this service allows per file; it may be damaged or built to exhaust the server")]
    OverBudget {
        /// `memory` or `processing time`.
        resource: &'static str,
    },

    /// The caller cancelled the work (its request timed out or its client went away).
    #[error("decoding was cancelled")]
    Cancelled,

    /// Reading the file from disk failed (only from [`decode_file`](crate::decode_file)).
    #[error("the file could not be read: {0}")]
    Io(#[from] std::io::Error),
}

impl InputError {
    /// Shorthand for [`InputError::Corrupt`].
    pub(crate) fn corrupt(format: Format, detail: impl Into<String>) -> Self {
        InputError::Corrupt {
            format,
            detail: detail.into(),
        }
    }
}

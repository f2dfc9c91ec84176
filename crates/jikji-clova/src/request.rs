//! Request bodies (spec §2): lenient JSON parsing, the multipart `message` part, and validation into a
//! [`ValidRequest`].

use crate::{uncertain, ErrorCode};
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// The operation named by the path suffix after `{invokeKey}` (spec §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Operation {
    /// `/general`
    General,
    /// `/infer`
    Template,
    /// `/document/{type}` or `/{type}`
    Document(DocType),
}

/// A Document OCR model, as named in the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DocType {
    Receipt,
    NameCard,
    BizLicense,
    CreditCard,
    IdCard,
    Passport,
    MedicalReceipt,
}

impl DocType {
    pub const ALL: [DocType; 7] = [
        DocType::Receipt,
        DocType::NameCard,
        DocType::BizLicense,
        DocType::CreditCard,
        DocType::IdCard,
        DocType::Passport,
        DocType::MedicalReceipt,
    ];

    /// The path segment (`receipt`, `name-card`, …).
    pub const fn path(self) -> &'static str {
        match self {
            DocType::Receipt => "receipt",
            DocType::NameCard => "name-card",
            DocType::BizLicense => "biz-license",
            DocType::CreditCard => "credit-card",
            DocType::IdCard => "id-card",
            DocType::Passport => "passport",
            DocType::MedicalReceipt => "medical-receipt",
        }
    }

    /// The key of the image object in the response (`receipt`, `nameCard`, …; spec §6.2).
    pub const fn response_key(self) -> &'static str {
        match self {
            DocType::Receipt => "receipt",
            DocType::NameCard => "nameCard",
            DocType::BizLicense => "bizLicense",
            DocType::CreditCard => "creditCard",
            DocType::IdCard => "idCard",
            DocType::Passport => "passport",
            DocType::MedicalReceipt => "medicalReceipt",
        }
    }

    pub fn from_path(s: &str) -> Option<DocType> {
        DocType::ALL.into_iter().find(|d| d.path() == s)
    }
}

impl Operation {
    /// Parses the path suffix after `{invokeKey}`: `general`, `infer`, `document/<type>` or `<type>`.
    pub fn from_suffix(suffix: &str) -> Option<Operation> {
        let s = suffix.trim_matches('/');
        match s {
            "general" => Some(Operation::General),
            "infer" => Some(Operation::Template),
            _ => {
                let t = s.strip_prefix("document/").unwrap_or(s);
                DocType::from_path(t).map(Operation::Document)
            }
        }
    }

    /// A short, bounded label for metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            Operation::General => "general",
            Operation::Template => "infer",
            Operation::Document(_) => "document",
        }
    }
}

/// Response shape version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Version {
    V1,
    V2,
}

impl Version {
    pub const fn as_str(self) -> &'static str {
        match self {
            Version::V1 => "V1",
            Version::V2 => "V2",
        }
    }
}

/// The JSON request body (spec §2.1), parsed leniently: unknown keys are ignored, `timestamp` may be an
/// integer, a float, a numeric string or null, `enableTableDetection` a bool or `"true"`/`"false"`,
/// `data` may be null beside a `url`.
///
/// The schema's example carries a real 248×52 PNG ("OCR 2026" in block letters, drawn for this
/// purpose), so that tools that send the example (schemathesis' examples phase) get a 200 and check
/// the response against its schema.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "version": "V2", "requestId": "example", "timestamp": 0, "lang": "en",
    "images": [{"format": "png", "name": "example", "data": "iVBORw0KGgoAAAANSUhEUgAAAPgAAAA0CAAAAACCkKoYAAAArUlEQVR42u3YQQ6EIAwFUO5/6XHrEJXyHRMnvG7UFCzPBcG2z6LRwMHBwcHBwcHBwf8M3nZRzbUuphYQ1Bvl9nlwcPDvwWfPaW6EfqJepT44OPh1sbuFR+/p76v1yx8dHBx8Cp4eYEa1+2tlXmUt4ODg85vbr9BHG9rZmHSjBQcHz34akkZEcihK54GDrwy/02xMGxFXB45qc7M6DxwcfJ0ABwcHBwcHBwcHf3lsVmtm9utceWEAAAAASUVORK5CYII="}]
}))]
pub struct OcrRequest {
    /// `"V2"` (recommended) or `"V1"`. Document OCR: `"V2"` only.
    #[schema(example = "V2")]
    #[serde(default)]
    pub version: Option<String>,
    /// Caller id, echoed in the response.
    #[schema(schema_with = lenient_schema::string)]
    #[serde(default, deserialize_with = "lenient_string")]
    pub request_id: Option<String>,
    /// Caller time in ms; accepted as integer, numeric string or null and ignored.
    #[schema(schema_with = lenient_schema::timestamp)]
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub timestamp: Option<i64>,
    /// `ko`, `ja`, `zh-TW`, `en`, or a comma-separated list. Missing → the domain's language.
    #[serde(default)]
    pub lang: Option<String>,
    /// Exactly one image.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 1)]
    pub images: Option<Vec<ImageSpec>>,
    /// Ask for tables (General). Accepts a bool or the strings `"true"`/`"false"`.
    #[schema(schema_with = lenient_schema::boolean)]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub enable_table_detection: Option<bool>,
}

/// One `images[]` element of a request.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImageSpec {
    /// `jpg`, `jpeg`, `png`, `pdf`, `tif`, `tiff` — a hint only: the bytes are sniffed.
    #[schema(schema_with = lenient_schema::string)]
    #[serde(default, deserialize_with = "lenient_string")]
    pub format: Option<String>,
    /// Caller label, echoed in the response.
    #[schema(schema_with = lenient_schema::string)]
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    /// Base64 image bytes. Wins over `url` when both are present.
    #[serde(default)]
    pub data: Option<String>,
    /// Public http(s) URL fetched by the server (General/Template only).
    #[serde(default)]
    pub url: Option<String>,
    /// Template OCR only: candidate template ids.
    #[serde(default)]
    pub template_ids: Option<Vec<i64>>,
    /// Jikji extension, Document OCR only (not in CLOVA): also return the image with every field's
    /// `maskingPolys` blacked out, as the image object's `jikjiMaskedImage` member (see
    /// `uncertain::MASKED_IMAGE_MEMBER`). A bool or `"true"`/`"false"`.
    #[schema(schema_with = lenient_schema::boolean)]
    #[serde(default, rename = "jikjiMaskedImage", deserialize_with = "lenient_bool")]
    pub jikji_masked_image: Option<bool>,
}

/// Where the image bytes come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageSource {
    /// Decoded `data` or the multipart `file` part.
    Bytes(Vec<u8>),
    /// `url` to fetch.
    Url(String),
}

/// A request that passed the protocol checks.
#[derive(Debug, Clone)]
pub struct ValidRequest {
    pub version: Version,
    pub request_id: String,
    /// The raw `lang` of the request, already checked to parse (`None` → domain default).
    pub lang: Option<String>,
    pub enable_table_detection: bool,
    pub name: String,
    /// The declared `format` (a hint).
    pub format: Option<String>,
    pub source: ImageSource,
    pub template_ids: Option<Vec<i64>>,
    /// `images[].jikjiMaskedImage` (see `uncertain::MASKED_IMAGE_MEMBER`).
    pub masked_image: bool,
}

/// Parses a JSON body (any `application/json*` media type; the caller does not need to check it).
pub fn parse_json(bytes: &[u8]) -> Result<OcrRequest, ErrorCode> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes); // UTF-8 BOM
                                                                      // Only a JSON object is a request (serde would also accept an array for a struct).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ErrorCode::BodyInvalid);
    }
    serde_json::from_slice::<OcrRequest>(bytes).map_err(|_| ErrorCode::BodyInvalid)
}

/// Parses the multipart `message` part (text or `application/json` part): the same object as the JSON
/// body, where `images[]` carries only `format` and `name`.
pub fn parse_multipart_message(message: &[u8]) -> Result<OcrRequest, ErrorCode> {
    parse_json(message)
}

impl OcrRequest {
    /// Checks the protocol rules for `op` and builds a [`ValidRequest`] from a JSON body.
    pub fn validate_json(self, op: Operation) -> Result<ValidRequest, ErrorCode> {
        self.validate(op, None)
    }

    /// Same as [`validate_json`](Self::validate_json) for a multipart request whose `file` part is
    /// `file` (`None` when the part is missing).
    pub fn validate_multipart(
        self,
        op: Operation,
        file: Option<Vec<u8>>,
    ) -> Result<ValidRequest, ErrorCode> {
        self.validate(op, Some(file))
    }

    fn validate(
        self,
        op: Operation,
        multipart_file: Option<Option<Vec<u8>>>,
    ) -> Result<ValidRequest, ErrorCode> {
        let version = match (self.version.as_deref(), op) {
            (Some("V2"), _) => Version::V2,
            (Some("V1"), Operation::Document(_)) => return Err(ErrorCode::VersionNotSupported),
            (Some("V1"), _) => Version::V1,
            (None, Operation::Document(_)) => uncertain::DOCUMENT_DEFAULT_VERSION,
            (None, _) => return Err(uncertain::MISSING_VERSION),
            (Some(_), _) => return Err(ErrorCode::VersionNotSupported),
        };
        let mut images = self.images.ok_or(ErrorCode::BodyInvalid)?;
        if images.len() != 1 {
            return Err(ErrorCode::BodyInvalid);
        }
        let image = images.pop().expect("one image");
        if let Some(lang) = &self.lang {
            jikji_types::Lang::parse_list(lang).map_err(|_| ErrorCode::BodyInvalid)?;
        }
        let source = match multipart_file {
            Some(Some(file)) if !file.is_empty() => ImageSource::Bytes(file),
            Some(_) => return Err(ErrorCode::BodyInvalid),
            None => {
                let data = image.data.as_deref().filter(|d| !d.trim().is_empty());
                let url = image
                    .url
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty());
                match (data, url) {
                    (Some(d), _) => ImageSource::Bytes(decode_base64(d)?),
                    (None, Some(u)) => {
                        if matches!(op, Operation::Document(_)) {
                            return Err(ErrorCode::BodyInvalid);
                        }
                        ImageSource::Url(u.to_string())
                    }
                    (None, None) => return Err(ErrorCode::BodyInvalid),
                }
            }
        };
        Ok(ValidRequest {
            version,
            request_id: self.request_id.unwrap_or_default(),
            lang: self.lang,
            enable_table_detection: self.enable_table_detection.unwrap_or(false),
            name: image.name.unwrap_or_default(),
            format: image.format,
            source,
            template_ids: image.template_ids,
            masked_image: image.jikji_masked_image.unwrap_or(false),
        })
    }
}

/// Decodes `data`: standard base64 with or without padding, URL-safe alphabet, embedded whitespace
/// and line breaks, and an optional `data:<mime>;base64,` prefix are all accepted.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, ErrorCode> {
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const CFG: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CFG);
    const URL: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CFG);
    let mut s = s.trim();
    if s.starts_with("data:") {
        match s.find(";base64,") {
            Some(i) => s = &s[i + 8..],
            None => return Err(ErrorCode::BodyInvalid),
        }
    }
    if let Ok(v) = STD.decode(s) {
        return Ok(v);
    }
    let cleaned: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STD.decode(&cleaned)
        .or_else(|_| URL.decode(&cleaned))
        .map_err(|_| ErrorCode::BodyInvalid)
}

/// The published schemas of the lenient fields: exactly the JSON types their deserializers take
/// (`lenient_string`, `lenient_timestamp`, `lenient_bool`), so that the OpenAPI document admits
/// what the parser admits and no more (checked by `scripts/schemathesis.sh`).
mod lenient_schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};

    fn of(description: &str, items: Vec<ObjectBuilder>) -> Schema {
        let mut b = OneOfBuilder::new().description(Some(description));
        for i in items {
            b = b.item(i.build());
        }
        b.item(ObjectBuilder::new().schema_type(Type::Null).build())
            .build()
            .into()
    }

    /// A string, or a number written as one (`requestId`, `name`, `format`).
    pub fn string() -> Schema {
        of(
            "a string; a number is accepted and used as its decimal text",
            vec![
                ObjectBuilder::new().schema_type(Type::String),
                ObjectBuilder::new().schema_type(Type::Number),
            ],
        )
    }

    /// Any number, or a string holding one (empty = absent); ignored.
    pub fn timestamp() -> Schema {
        of(
            "milliseconds; a number or a numeric string, ignored",
            vec![
                ObjectBuilder::new().schema_type(Type::Number),
                ObjectBuilder::new().schema_type(Type::String).pattern(Some(
                    r"^\s*([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)?\s*$",
                )),
            ],
        )
    }

    /// `true`/`false`, `0`/`1`, or the strings `"true"`/`"false"` (any case; empty = false).
    pub fn boolean() -> Schema {
        of(
            "a boolean; also 0/1 and the strings \"true\"/\"false\"",
            vec![
                ObjectBuilder::new().schema_type(Type::Boolean),
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some([0, 1])),
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(r"^\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])?\s*$")),
            ],
        )
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    #[allow(clippy::enum_variant_names)]
    enum S {
        S(String),
        I(i64),
        U(u64),
        F(f64),
    }
    Ok(Option::<S>::deserialize(d)?.map(|s| match s {
        S::S(s) => s,
        S::I(i) => i.to_string(),
        S::U(u) => u.to_string(),
        S::F(f) => f.to_string(),
    }))
}

fn lenient_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum T {
        I(i64),
        U(u64),
        F(f64),
        S(String),
    }
    match Option::<T>::deserialize(d)? {
        None => Ok(None),
        Some(T::I(i)) => Ok(Some(i)),
        Some(T::U(u)) => Ok(Some(u.min(i64::MAX as u64) as i64)),
        Some(T::F(f)) => Ok(Some(f as i64)),
        Some(T::S(s)) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<i64>()
                .ok()
                .or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or_else(|| D::Error::custom("timestamp is not a number"))
        }
    }
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    #[allow(clippy::enum_variant_names)]
    enum B {
        B(bool),
        I(i64),
        S(String),
    }
    match Option::<B>::deserialize(d)? {
        None => Ok(None),
        Some(B::B(b)) => Ok(Some(b)),
        Some(B::I(0)) => Ok(Some(false)),
        Some(B::I(1)) => Ok(Some(true)),
        Some(B::I(_)) => Err(D::Error::custom("not a boolean")),
        Some(B::S(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" | "" => Ok(Some(false)),
            _ => Err(D::Error::custom("not a boolean")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(json: &str, op: Operation) -> Result<ValidRequest, ErrorCode> {
        parse_json(json.as_bytes())?.validate_json(op)
    }

    const PNG_B64: &str = "iVBORw0KGgo=";

    #[test]
    fn leniencies() {
        for ts in ["0", "\"1584062336793\"", "null", "1.5e12", "\"\""] {
            let j = format!(
                r#"{{"version":"V2","requestId":"r","timestamp":{ts},"images":[{{"format":"jpg","name":"a","data":"{PNG_B64}"}}]}}"#
            );
            let v = ok(&j, Operation::General).unwrap();
            assert_eq!(v.request_id, "r");
        }
        let j = r#"{"version":"V2","requestId":"r","timestamp":0,"resultType":"string","enableTableDetection":"true","images":[{"format":"png","name":"a","date":"x","data":null,"url":"http://example.com/a.png"}]}"#;
        let v = ok(j, Operation::General).unwrap();
        assert!(v.enable_table_detection);
        assert!(!v.masked_image);
        // The masked-image extension: a bool or its string, under the name `uncertain` decides.
        for flag in ["true", r#""true""#] {
            let j = format!(r#"{{"images":[{{"name":"a","data":"{PNG_B64}","{}":{flag}}}]}}"#, uncertain::MASKED_IMAGE_MEMBER);
            assert!(ok(&j, Operation::Document(DocType::Passport)).unwrap().masked_image, "{j}");
        }
        let spec = ImageSpec { jikji_masked_image: Some(true), ..Default::default() };
        assert_eq!(serde_json::to_value(&spec).unwrap()[uncertain::MASKED_IMAGE_MEMBER], serde_json::json!(true));
        assert_eq!(
            v.source,
            ImageSource::Url("http://example.com/a.png".into())
        );
        // data wins over url
        let j = format!(
            r#"{{"version":"V1","requestId":"r","timestamp":0,"images":[{{"format":"png","name":"a","data":"{PNG_B64}","url":"http://x"}}]}}"#
        );
        assert!(matches!(
            ok(&j, Operation::General).unwrap().source,
            ImageSource::Bytes(_)
        ));
        // base64 variants
        assert_eq!(decode_base64("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(
            decode_base64("data:image/png;base64,aGVsbG8=").unwrap(),
            b"hello"
        );
        assert_eq!(decode_base64("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(decode_base64("!!!").is_err());
    }

    #[test]
    fn errors() {
        use ErrorCode::*;
        let img = format!(r#"[{{"format":"png","name":"a","data":"{PNG_B64}"}}]"#);
        assert_eq!(ok("{", Operation::General).unwrap_err(), BodyInvalid);
        assert_eq!(ok("[]", Operation::General).unwrap_err(), BodyInvalid);
        assert_eq!(
            ok(
                &format!(r#"{{"version":"V3","images":{img}}}"#),
                Operation::General
            )
            .unwrap_err(),
            VersionNotSupported
        );
        assert_eq!(
            ok(&format!(r#"{{"images":{img}}}"#), Operation::General).unwrap_err(),
            VersionNotSupported
        );
        assert_eq!(
            ok(
                &format!(r#"{{"version":"V1","images":{img}}}"#),
                Operation::Document(DocType::Receipt)
            )
            .unwrap_err(),
            VersionNotSupported
        );
        assert!(ok(
            &format!(r#"{{"images":{img}}}"#),
            Operation::Document(DocType::Receipt)
        )
        .is_ok());
        assert_eq!(
            ok(r#"{"version":"V2","images":[]}"#, Operation::General).unwrap_err(),
            BodyInvalid
        );
        assert_eq!(
            ok(r#"{"version":"V2"}"#, Operation::General).unwrap_err(),
            BodyInvalid
        );
        assert_eq!(
            ok(
                r#"{"version":"V2","images":[{"name":"a"}]}"#,
                Operation::General
            )
            .unwrap_err(),
            BodyInvalid
        );
        assert_eq!(
            ok(
                r#"{"version":"V2","images":[{"name":"a","data":"%%%"}]}"#,
                Operation::General
            )
            .unwrap_err(),
            BodyInvalid
        );
        assert_eq!(
            ok(
                r#"{"version":"V2","timestamp":"abc","images":[{"name":"a","data":"aGVsbG8="}]}"#,
                Operation::General
            )
            .unwrap_err(),
            BodyInvalid
        );
        assert_eq!(
            ok(
                r#"{"version":"V2","timestamp":{},"images":[{"name":"a","data":"aGVsbG8="}]}"#,
                Operation::General
            )
            .unwrap_err(),
            BodyInvalid
        );
        assert_eq!(
            ok(
                r#"{"version":"V2","images":{"name":"a"}}"#,
                Operation::General
            )
            .unwrap_err(),
            BodyInvalid
        );
        assert_eq!(ok(r#"{"version":"V2","enableTableDetection":"maybe","images":[{"name":"a","data":"aGVsbG8="}]}"#, Operation::General).unwrap_err(), BodyInvalid);
        assert_eq!(
            ok(
                r#"{"version":"V2","lang":"xx","images":[{"name":"a","data":"aGVsbG8="}]}"#,
                Operation::General
            )
            .unwrap_err(),
            BodyInvalid
        );
        assert_eq!(
            ok(
                r#"{"version":"V2","images":[{"name":"a","url":"http://x"}]}"#,
                Operation::Document(DocType::Receipt)
            )
            .unwrap_err(),
            BodyInvalid
        );
        let two = format!(
            r#"{{"version":"V2","images":[{{"name":"a","data":"{PNG_B64}"}},{{"name":"b","data":"{PNG_B64}"}}]}}"#
        );
        assert_eq!(ok(&two, Operation::General).unwrap_err(), BodyInvalid);
    }

    #[test]
    fn multipart_message() {
        let m = parse_multipart_message(br#"{"version":"V2","requestId":"m","timestamp":0,"images":[{"format":"jpg","name":"demo"}]}"#).unwrap();
        let v = m
            .clone()
            .validate_multipart(Operation::General, Some(b"abc".to_vec()))
            .unwrap();
        assert_eq!(v.source, ImageSource::Bytes(b"abc".to_vec()));
        assert_eq!(
            m.validate_multipart(Operation::General, None).unwrap_err(),
            ErrorCode::BodyInvalid
        );
    }

    #[test]
    fn operations() {
        assert_eq!(Operation::from_suffix("general"), Some(Operation::General));
        assert_eq!(Operation::from_suffix("infer"), Some(Operation::Template));
        assert_eq!(
            Operation::from_suffix("document/name-card"),
            Some(Operation::Document(DocType::NameCard))
        );
        assert_eq!(
            Operation::from_suffix("id-card"),
            Some(Operation::Document(DocType::IdCard))
        );
        assert_eq!(Operation::from_suffix("document/general"), None);
        assert_eq!(Operation::from_suffix("nope"), None);
    }
}

//! Document understanding: an OCR page result in, structured document fields out.
//!
//! The crate reads only [`jikji_types::PageResult`] (words with quads and confidences); it never runs a
//! model. Shared parts are written once — [`labels`] (label dictionaries and tolerant matching),
//! [`geometry`] (value right of / below a label, wrapped lines), [`patterns`] (dates, times, money,
//! phones, numbers and the `formatted` rules), [`validate`] (checksums, calendar, area codes and the
//! repair-by-format policy) — and each document type has a module with one `extract` function
//! ([`id_card`] first finds which identity document the page is, then reads it).
//!
//! Entry point: [`understand`]`(kind, &page)` → [`DocumentResult`], after [`orient`] has turned a page
//! photographed sideways or upside down upright; [`wire`] turns a result into the
//! CLOVA wire shapes of `jikji_clova::document`.

pub mod alien_card;
pub mod alien_card_back;
pub mod biz_license;
pub mod credit_card;
pub mod driver_license;
pub mod extract;
pub mod field;
pub mod geometry;
pub mod id_card;
pub mod labels;
pub mod masks;
pub mod mrz;
pub mod name_card;
pub mod orient;
pub mod passport;
pub mod patterns;
pub mod receipt;
pub mod resident_card;
pub mod text;
pub mod validate;
pub mod wire;

pub use field::{Check, DocField, Formatted};

use jikji_types::PageResult;

/// The Document OCR models (the `/document/<kind>` path suffixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Receipt,
    NameCard,
    BizLicense,
    CreditCard,
    Passport,
    /// Identity documents: resident card, driver's licence, alien card, passport (spec §11).
    IdCard,
}

impl DocumentKind {
    /// From the path suffix or CLI name (`receipt`, `name-card`, `biz-license`, `credit-card`,
    /// `passport`, `id-card`); also accepts the synthetic test-data type names (`namecard`,
    /// `bizlicense`, `idcard`, `driverlicense`, `aliencard`, …).
    pub fn parse(s: &str) -> Option<DocumentKind> {
        Some(
            match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
                "receipt" => DocumentKind::Receipt,
                "name-card" | "namecard" => DocumentKind::NameCard,
                "biz-license" | "bizlicense" => DocumentKind::BizLicense,
                "credit-card" | "creditcard" => DocumentKind::CreditCard,
                "passport" => DocumentKind::Passport,
                "id-card" | "idcard" | "driverlicense" | "driver-license" | "aliencard"
                | "alien-card" => DocumentKind::IdCard,
                _ => return None,
            },
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "receipt",
            DocumentKind::NameCard => "name-card",
            DocumentKind::BizLicense => "biz-license",
            DocumentKind::CreditCard => "credit-card",
            DocumentKind::Passport => "passport",
            DocumentKind::IdCard => "id-card",
        }
    }
}

/// The understanding of one page.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentResult {
    Receipt(receipt::ReceiptResult),
    NameCard(name_card::NameCardResult),
    BizLicense(biz_license::BizLicenseResult),
    CreditCard(credit_card::CreditCardResult),
    Passport(passport::PassportResult),
    IdCard(id_card::IdCardResult),
}

/// Reads the fields of a `kind` document from a page result (turned upright first when the page was
/// photographed at 90°, 180° or 270°: [`orient::upright`]).
pub fn understand(kind: DocumentKind, page: &PageResult) -> DocumentResult {
    let upright = orient::upright(page);
    let page: &PageResult = &upright;
    match kind {
        DocumentKind::Receipt => DocumentResult::Receipt(receipt::extract(page)),
        DocumentKind::NameCard => DocumentResult::NameCard(name_card::extract(page)),
        DocumentKind::BizLicense => DocumentResult::BizLicense(biz_license::extract(page)),
        DocumentKind::CreditCard => DocumentResult::CreditCard(credit_card::extract(page)),
        DocumentKind::Passport => DocumentResult::Passport(passport::extract(page)),
        DocumentKind::IdCard => DocumentResult::IdCard(id_card::extract(page)),
    }
}

impl DocumentResult {
    /// Whether the page looked like the document asked for. `false` comes with an empty result: the
    /// honest answer for a street photo sent to `/document/biz-license` or a blank page.
    pub fn recognized(&self) -> bool {
        match self {
            DocumentResult::Receipt(r) => r.recognized,
            DocumentResult::NameCard(r) => r.recognized,
            DocumentResult::BizLicense(r) => r.recognized,
            DocumentResult::CreditCard(r) => r.recognized,
            DocumentResult::Passport(r) => r.recognized,
            DocumentResult::IdCard(r) => r.recognized(),
        }
    }

    /// Flat `(field name, text)` pairs under the synthetic test data's field names (README of
    /// `synthetic-docs`; SROIE's `company/date/address/total` for receipts are mapped by the evaluator).
    /// Multi-valued fields come as one entry per value, in page order.
    pub fn named_values(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut put = |k: &str, f: &Option<DocField>| {
            if let Some(f) = f {
                out.push((k.to_string(), f.text.clone()));
            }
        };
        match self {
            DocumentResult::Receipt(r) => {
                put("storeName", &r.store_name);
                put("storeBizNum", &r.biz_num);
                put("storeAddress", &r.addresses.first().cloned());
                put("storeTel", &r.tel.first().cloned());
                put("paymentDate", &r.date);
                put("paymentTime", &r.time);
                put("subtotal", &r.sub_total_price.first().cloned());
                put("vat", &r.tax_price.first().cloned());
                put("total", &r.total_price);
                put("cardCompany", &r.card_company);
                put("cardNumber", &r.card_number);
                put("confirmNum", &r.confirm_num);
                for (i, it) in r.items.iter().enumerate() {
                    put(&format!("items[{i}].name"), &it.name);
                    put(&format!("items[{i}].unitPrice"), &it.unit_price);
                    put(&format!("items[{i}].count"), &it.count);
                    put(&format!("items[{i}].price"), &it.price);
                }
            }
            DocumentResult::NameCard(r) => {
                for (k, v) in r.fields() {
                    for f in v {
                        out.push((k.to_string(), f.text.clone()));
                    }
                }
            }
            DocumentResult::BizLicense(r) => {
                for (k, v) in r.fields() {
                    for f in v {
                        out.push((k.to_string(), f.text.clone()));
                    }
                }
            }
            DocumentResult::CreditCard(r) => {
                put("issuer", &r.issuer);
                put("number", &r.number);
                put("validThru", &r.valid_thru);
                put("name", &r.name);
            }
            DocumentResult::Passport(r) => {
                for (k, f) in r.fields() {
                    out.push((k.to_string(), f.text.clone()));
                }
            }
            DocumentResult::IdCard(r) => out.extend(r.named_values()),
        }
        out
    }
}

//! The regions a result asks to mask (`maskingPolys`), gathered from every field of any document
//! type: what a masked copy of the image blacks out (`jikji ocr --masked`, the server's
//! `jikjiMaskedImage` extension).

use crate::field::DocField;
use crate::DocumentResult;
use jikji_geometry::Quad;

impl DocumentResult {
    /// Every field of the result (each value of a multi-valued field), in no particular order.
    pub fn all_fields(&self) -> Vec<&DocField> {
        let mut out: Vec<&DocField> = Vec::new();
        match self {
            DocumentResult::Receipt(r) => {
                for f in [
                    &r.store_name,
                    &r.sub_name,
                    &r.biz_num,
                    &r.date,
                    &r.time,
                    &r.card_company,
                    &r.card_number,
                    &r.confirm_num,
                    &r.total_price,
                    &r.credit_card_price,
                ] {
                    out.extend(f.iter());
                }
                for v in [
                    &r.addresses,
                    &r.tel,
                    &r.tax_price,
                    &r.discount_price,
                    &r.sub_total_price,
                ] {
                    out.extend(v.iter());
                }
                for it in &r.items {
                    for f in [&it.name, &it.count, &it.price, &it.unit_price] {
                        out.extend(f.iter());
                    }
                }
            }
            DocumentResult::NameCard(r) => {
                out.extend(r.fields().into_iter().flat_map(|(_, v)| v.iter()))
            }
            DocumentResult::BizLicense(r) => {
                out.extend(r.fields().into_iter().flat_map(|(_, v)| v))
            }
            DocumentResult::CreditCard(r) => {
                for f in [&r.number, &r.valid_thru, &r.name, &r.issuer] {
                    out.extend(f.iter());
                }
            }
            DocumentResult::Passport(r) => out.extend(r.fields().into_iter().map(|(_, f)| f)),
            DocumentResult::IdCard(r) => out.extend(r.fields().into_iter().flat_map(|(_, v)| v)),
        }
        out
    }

    /// Every field's masking polygons (the page's pixels, like the fields' polygons).
    pub fn masking_quads(&self) -> Vec<Quad> {
        self.all_fields()
            .into_iter()
            .flat_map(|f| f.masks.iter().copied())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::text::testutil::page;
    use crate::{understand, DocumentKind, DocumentResult};

    #[test]
    fn masks_of_every_field_are_gathered() {
        // A passport masks its number (visual zone and MRZ); a name card masks nothing.
        let passport = page(&[
            ("여권번호/Passport No.", 750.0, 100.0),
            ("M402X9688", 750.0, 124.0),
            ("성/Surname", 300.0, 160.0),
            ("LEE", 300.0, 184.0),
            ("PMKORLEE<<HUNJONG<<<<<<<<<<<<<<<<<<<<<<<<<<<", 0.0, 500.0),
            ("M402X96882KOR6112088F3103131<<<<<<<<<<<<<<<8", 0.0, 530.0),
        ]);
        let r = understand(DocumentKind::Passport, &passport);
        let DocumentResult::Passport(p) = &r else {
            panic!()
        };
        let number = &p.passport_num.as_ref().unwrap().masks;
        assert!(!number.is_empty());
        assert_eq!(&r.masking_quads(), number);
        assert!(r.all_fields().len() >= 5);
        let name_card = page(&[
            ("홍길동", 0.0, 0.0),
            ("TEL 02-123-4567", 0.0, 40.0),
            ("hong@example.com", 0.0, 80.0),
        ]);
        let n = understand(DocumentKind::NameCard, &name_card);
        assert!(!n.all_fields().is_empty());
        assert!(n.masking_quads().is_empty());
    }
}

//! `GET /v1/artisans`, `/v1/artisans/{address}`, `/v1/partners`, `/v1/partners/{address}`,
//! `/v1/products`.

use cointent_domain::{
    Page,
    catalogue::{
        CatalogueArtisan, CatalogueArtisanDetail, CataloguePartner, CataloguePartnerDetail,
        CatalogueProduct,
    },
    metadata::{MetadataArtisan, MetadataPartner, MetadataProduct},
};

use crate::fixtures::round_trip;

#[test]
fn catalogue_reads_and_writes_back() {
    let artisans: Page<CatalogueArtisan> = round_trip("artisans");
    assert!(artisans.items.iter().all(|a| a.name.is_some()));
    let artisan: CatalogueArtisanDetail = round_trip("artisan");
    assert_eq!(artisan.items.len() as u64, artisan.artisan.orders);
    let _: Page<CataloguePartner> = round_trip("partners");
    let partner: CataloguePartnerDetail = round_trip("partner");
    assert!(partner.partner.url.is_some());
    let products: Page<CatalogueProduct> = round_trip("products");
    assert!(!products.items.is_empty());
    for p in &products.items {
        let product: MetadataProduct =
            p.product.as_ref().expect("products have one").parse().unwrap();
        assert!(product.name.is_some());
        if let Some(a) = &p.artisan {
            let a: MetadataArtisan = a.parse().unwrap();
            assert!(a.name.is_some());
        }
        if let Some(s) = &p.partner {
            let _: MetadataPartner = s.parse().unwrap();
        }
    }
}

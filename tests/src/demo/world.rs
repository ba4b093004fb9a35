//! The demo world, step by step, on one chain.

use alloy::{
    primitives::{Address, B256, Bytes, FixedBytes, U256, keccak256},
    signers::local::PrivateKeySigner,
};
use cointent_abi::{
    CointentGovernor, DemoStablecoin, Escrow, EscrowLens,
    IEscrow::{Milestone, Split, Terms},
    ITreasury::Allocation,
    Shop, Token, Treasury,
};
use eyre::{Result, ensure};
use serde_json::{Value, json};

use super::{
    Variant,
    chain::{Chain, signer},
    content::{self, Listing, Maker, Partner, Product},
    say,
};
use crate::{DEV_ACCOUNTS, DEV_KEYS};

const DAY: u64 = 86_400;
/// Every demo order's dispute bond: 5 % of the disputed milestone's amount.
const BOND_BPS: u16 = 500;
/// Votes are 18-decimal tokens.
const VOTE: u128 = 1_000_000_000_000_000_000;

/// Someone in the demo, with the key that acts for them.
pub(crate) struct Person {
    pub(crate) name: &'static str,
    pub(crate) role: &'static str,
    pub(crate) address: Address,
    signer: PrivateKeySigner,
}

impl Person {
    fn dev(index: usize, name: &'static str, role: &'static str) -> Self {
        let signer: PrivateKeySigner = DEV_KEYS[index].parse().expect("anvil dev key");
        debug_assert_eq!(format!("{:?}", signer.address()), DEV_ACCOUNTS[index].to_lowercase());
        Self { name, role, address: signer.address(), signer }
    }

    /// An extra account whose key is derived from its label, so every run has the same.
    fn derived(label: &str, name: &'static str, role: &'static str) -> Self {
        let signer = signer(keccak256(format!("co-intent demo/{label}")));
        Self { name, role, address: signer.address(), signer }
    }
}

/// Everyone in the demo. The ten anvil dev accounts carry the roles a newcomer may want to
/// play in a wallet; the others have keys derived from fixed labels.
pub(crate) struct People {
    steward: Person,
    ajrakh: Person,
    toys: Person,
    madhubani: Person,
    freelancer: Person,
    haat: Person,
    priya: Person,
    daniel: Person,
    kavya: Person,
    arbiter: Person,
    ikat: Person,
    bidri: Person,
    pottery: Person,
    patta: Person,
    kala: Person,
    rahul: Person,
    backers: Vec<Person>,
    ops: Person,
    welfare: Person,
    carbon: Person,
}

impl People {
    pub(crate) fn new() -> Self {
        Self {
            steward: Person::dev(
                0,
                "Co-Intent steward",
                "deployer; holds the bootstrap share of the token",
            ),
            ajrakh: Person::dev(1, content::AJRAKH.name, "artisan: Ajrakh block printing (Kutch)"),
            toys: Person::dev(2, content::CHANNAPATNA.name, "artisan: Channapatna toys"),
            madhubani: Person::dev(3, content::MADHUBANI.name, "artisan: Madhubani painting"),
            freelancer: Person::dev(4, content::FREELANCER.name, "freelancer (photos, web)"),
            haat: Person::dev(5, content::HAAT.name, "partner shop (split recipient)"),
            priya: Person::dev(6, "Priya Menon", "buyer, backer and client; delegates votes"),
            daniel: Person::dev(7, "Daniel D'Souza", "backer and client; voter, proposer"),
            kavya: Person::dev(8, "Kavya Iyer", "promoter (referral links); delegates"),
            arbiter: Person::dev(9, "Meenakshi Pillai", "arbiter of disputes; delegate, voter"),
            ikat: Person::derived("ikat", content::IKAT.name, "artisan: Pochampally ikat"),
            bidri: Person::derived("bidri", content::BIDRI.name, "artisan: Bidriware"),
            pottery: Person::derived("pottery", content::BLUE_POTTERY.name, "artisan: pottery"),
            patta: Person::derived("patta", content::PATTACHITRA.name, "artisan: Pattachitra"),
            kala: Person::derived("kala", content::KALA.name, "partner shop"),
            rahul: Person::derived("rahul", "Rahul Bose", "promoter (podcast)"),
            backers: (1..=6)
                .map(|i| Person::derived(&format!("backer-{i}"), "backer", "backer"))
                .collect(),
            ops: Person::derived("ops", "Operations", "treasury allocation: operations"),
            welfare: Person::derived("welfare", "Artisan welfare fund", "treasury allocation"),
            carbon: Person::derived("carbon", "Carbon offsets", "treasury allocation"),
        }
    }

    fn everyone(&self) -> Vec<&Person> {
        let mut all = vec![
            &self.steward,
            &self.ajrakh,
            &self.toys,
            &self.madhubani,
            &self.freelancer,
            &self.haat,
            &self.priya,
            &self.daniel,
            &self.kavya,
            &self.arbiter,
            &self.ikat,
            &self.bidri,
            &self.pottery,
            &self.patta,
            &self.kala,
            &self.rahul,
            &self.ops,
            &self.welfare,
            &self.carbon,
        ];
        all.extend(self.backers.iter());
        all
    }

    pub(crate) fn signers(&self) -> Vec<&PrivateKeySigner> {
        self.everyone().into_iter().map(|p| &p.signer).collect()
    }

    /// The ten dev accounts: (address, private key, name, role).
    pub(crate) fn dev_accounts(&self) -> Vec<(Address, &'static str, &'static str, &'static str)> {
        self.everyone()
            .into_iter()
            .take(10)
            .enumerate()
            .map(|(i, p)| (p.address, DEV_KEYS[i], p.name, p.role))
            .collect()
    }
}

/// A metadata document: its exact bytes, their keccak256 (the terms' `metadataHash`), and
/// who signs in to upload it.
pub(crate) struct Document {
    pub(crate) bytes: Vec<u8>,
    pub(crate) hash: B256,
    pub(crate) uploader: PrivateKeySigner,
}

fn document(
    kind: &str,
    l: &Listing,
    artisan: Option<(&Person, &Maker)>,
    partner: Option<(&Person, &Partner)>,
    seller: &Person,
    splits: &[(&Person, &str)],
) -> Document {
    document_with_images(kind, l, artisan, partner, seller, splits, &[])
}

fn document_with_images(
    kind: &str,
    l: &Listing,
    artisan: Option<(&Person, &Maker)>,
    partner: Option<(&Person, &Partner)>,
    seller: &Person,
    splits: &[(&Person, &str)],
    images: &[String],
) -> Document {
    let mut doc = json!({
        "schema": "cointent.metadata/1",
        "kind": kind,
        "title": l.title,
        "description": l.description,
        "category": l.category,
        "product": {"name": l.product, "sku": l.sku, "materials": l.materials},
        "milestones": l.milestones.iter().map(|t| json!({"title": t})).collect::<Vec<_>>(),
    });
    if let Some((p, m)) = artisan {
        doc["artisan"] = json!({
            "address": format!("{:#x}", p.address),
            "name": m.name, "region": m.region, "craft": m.craft, "story": m.story,
        });
    }
    if let Some((p, s)) = partner {
        doc["partner"] = json!({
            "address": format!("{:#x}", p.address),
            "name": s.name, "city": s.city, "url": s.url, "story": s.story,
        });
    }
    if !images.is_empty() {
        doc["images"] = json!(images);
    }
    if !splits.is_empty() {
        doc["splits"] = Value::Array(
            splits
                .iter()
                .map(|(p, label)| json!({"recipient": format!("{:#x}", p.address), "label": label}))
                .collect(),
        );
    }
    let bytes = serde_json::to_vec_pretty(&doc).expect("a JSON value serialises");
    // A document that names someone must be uploaded by them (see the metadata API).
    let uploader = artisan.map(|(p, _)| p).or(partner.map(|(p, _)| p)).unwrap_or(seller);
    Document { hash: keccak256(&bytes), bytes, uploader: uploader.signer.clone() }
}

/// Every order's document.
struct Plan {
    toys: Document,
    stole: Document,
    photos: Document,
    paintings: Document,
    sarees: Document,
    dinner: Document,
    bidri_box: Document,
    website: Document,
    scroll: Document,
    translation: Document,
    branding: Document,
    knobs: Document,
    train: Document,
    calendar: Document,
}

impl Plan {
    fn new(p: &People) -> Self {
        use content::*;
        let haat = (&p.haat, &HAAT);
        let kala = (&p.kala, &KALA);
        Self {
            toys: document("collective", &TOYS, Some((&p.toys, &CHANNAPATNA)), None, &p.toys, &[]),
            stole: document(
                "sale",
                &STOLE,
                Some((&p.ajrakh, &AJRAKH)),
                Some(haat),
                &p.ajrakh,
                &[(&p.haat, "Haat & Loom (partner shop)")],
            ),
            photos: document("freelance", &PHOTOS, None, None, &p.freelancer, &[]),
            paintings: document(
                "collective",
                &PAINTINGS,
                Some((&p.madhubani, &MADHUBANI)),
                None,
                &p.madhubani,
                &[],
            ),
            sarees: document(
                "collective",
                &SAREES,
                Some((&p.ikat, &IKAT)),
                Some(haat),
                &p.ikat,
                &[(&p.haat, "Haat & Loom (partner shop)")],
            ),
            dinner: document(
                "collective",
                &DINNER_SET,
                Some((&p.pottery, &BLUE_POTTERY)),
                Some(kala),
                &p.pottery,
                &[(&p.kala, "Kala Bazaar (partner shop)")],
            ),
            bidri_box: document(
                "sale",
                &BOX,
                Some((&p.bidri, &BIDRI)),
                Some(kala),
                &p.bidri,
                &[(&p.kala, "Kala Bazaar (partner shop)")],
            ),
            website: document("freelance", &WEBSITE, None, None, &p.freelancer, &[]),
            scroll: document(
                "collective",
                &SCROLL,
                Some((&p.patta, &PATTACHITRA)),
                Some(haat),
                &p.patta,
                &[(&p.haat, "Haat & Loom (partner shop)")],
            ),
            translation: document("freelance", &TRANSLATION, None, None, &p.freelancer, &[]),
            branding: document("freelance", &BRANDING, None, None, &p.freelancer, &[]),
            knobs: document(
                "collective",
                &KNOBS,
                Some((&p.pottery, &BLUE_POTTERY)),
                None,
                &p.pottery,
                &[],
            ),
            train: document(
                "collective",
                &TRAIN,
                Some((&p.toys, &CHANNAPATNA)),
                None,
                &p.toys,
                &[],
            ),
            calendar: document(
                "collective",
                &CALENDAR,
                Some((&p.madhubani, &MADHUBANI)),
                None,
                &p.madhubani,
                &[],
            ),
        }
    }

    fn into_documents(self) -> Vec<Document> {
        vec![
            self.toys,
            self.stole,
            self.photos,
            self.paintings,
            self.sarees,
            self.dinner,
            self.bidri_box,
            self.website,
            self.scroll,
            self.translation,
            self.branding,
            self.knobs,
            self.train,
            self.calendar,
        ]
    }
}

/// What was made.
pub struct Report {
    /// The chain.
    pub chain_id: u64,
    /// Orders created.
    pub orders: u64,
    /// Proposals made.
    pub proposals: u64,
    /// Shop listings made.
    pub listings: u64,
    pub(crate) documents: Vec<Document>,
    pub(crate) pictures: Vec<Picture>,
}

impl Report {
    /// The documents and pictures of a world made before (they depend only on the people
    /// and the API's URL).
    pub(crate) fn documents_only(chain: &Chain, people: &People, api: Option<&str>) -> Self {
        let shop = ShopPlan::new(people, api);
        let mut documents = Plan::new(people).into_documents();
        documents.extend(shop.products.into_iter().map(|p| p.doc));
        Self {
            chain_id: chain.chain_id,
            orders: 0,
            proposals: 0,
            listings: 0,
            documents,
            pictures: shop.pictures,
        }
    }
}

/// A product picture, drawn here: its PNG bytes and who signs in to upload it.
pub(crate) struct Picture {
    pub(crate) bytes: Vec<u8>,
    pub(crate) uploader: PrivateKeySigner,
}

impl Picture {
    /// A 480 x 360 PNG of diagonal stripes in `colours`: small, and distinct per product.
    fn draw(colours: [[u8; 3]; 2], uploader: &Person) -> Self {
        let img = image::RgbImage::from_fn(480, 360, |x, y| {
            image::Rgb(colours[((x + y) / 40 % 2) as usize])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("a PNG encodes in memory");
        Self { bytes: out.into_inner(), uploader: uploader.signer.clone() }
    }

    /// Where the API serves it: `{api}/v1/pictures/0x<sha256>` (see `POST /v1/pictures`).
    fn url(&self, api: &str) -> String {
        use sha2::Digest;
        let hash = sha2::Sha256::digest(&self.bytes);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}/v1/pictures/0x{hex}", api.trim_end_matches('/'))
    }
}

/// A product for the shop: its document (with its picture's URL when the API is known).
struct ShopProduct {
    doc: Document,
}

/// A product, its artisan, and the partner shop selling it with its split's label.
type ShopItem<'a> =
    (&'a Product, &'a Person, &'a Maker, Option<(&'a Person, &'a Partner, &'a str)>);

/// How a product is listed: seller, partner shop and its share (bps), price in dUSD, stock.
type ListingSpec<'a> = (&'a Person, Option<(&'a Person, u16)>, u64, u32);

/// The shop's products and their pictures.
struct ShopPlan {
    /// Cushion cover (with a partner shop's split), spinning top, tile (with a split).
    products: Vec<ShopProduct>,
    pictures: Vec<Picture>,
}

impl ShopPlan {
    fn new(p: &People, api: Option<&str>) -> Self {
        use content::*;
        let items: [ShopItem<'_>; 3] = [
            (&CUSHION, &p.ajrakh, &AJRAKH, Some((&p.haat, &HAAT, "Haat & Loom (partner shop)"))),
            (&SPINNING_TOP, &p.toys, &CHANNAPATNA, None),
            (
                &TILE,
                &p.pottery,
                &BLUE_POTTERY,
                Some((&p.kala, &KALA, "Kala Bazaar (partner shop)")),
            ),
        ];
        let mut products = Vec::new();
        let mut pictures = Vec::new();
        for (product, artisan, maker, partner) in items {
            let picture = Picture::draw(product.colours, artisan);
            let images: Vec<String> = api.map(|a| picture.url(a)).into_iter().collect();
            let splits: Vec<(&Person, &str)> =
                partner.map(|(who, _, label)| (who, label)).into_iter().collect();
            let doc = document_with_images(
                "sale",
                &product.listing,
                Some((artisan, maker)),
                partner.map(|(who, shop, _)| (who, shop)),
                artisan,
                &splits,
                &images,
            );
            products.push(ShopProduct { doc });
            pictures.push(picture);
        }
        Self { products, pictures }
    }
}

/// An order on chain: its terms, and the packed bytes every call sends.
struct Order {
    id: U256,
    terms: Terms,
    packed: Bytes,
}

/// The shape of an order's terms.
struct Spec<'a> {
    seller: &'a Person,
    price: u64,
    min: u32,
    max: u32,
    days: u64,
    review_days: u64,
    /// Days the seller has for each milestone, from funding or the previous release.
    deliver_days: u64,
    /// Days the arbiter has to rule on a dispute.
    ruling_days: u64,
    promoter_bps: u16,
    buyer: Option<&'a Person>,
    milestones: &'a [u16],
    splits: &'a [(&'a Person, u16)],
    doc: &'a Document,
}

struct World<'a> {
    chain: &'a Chain,
    p: &'a People,
    variant: Variant,
    fee_bps: u16,
    orders: u64,
}

/// Builds the whole world on `chain`.
pub(crate) async fn build(
    chain: &Chain,
    people: &People,
    variant: Variant,
    api: Option<&str>,
) -> Result<Report> {
    let id = chain.chain_id;
    let count = chain.view(chain.c.escrow, Escrow::orderCountCall {}).await?;
    ensure!(
        count.is_zero(),
        "chain {id} already has {count} orders: the demo seeds only a fresh chain \
         (script/dev --fresh starts over; --metadata-only uploads the documents again)"
    );
    let fee_bps = chain.view(chain.c.escrow, Escrow::feeBpsCall {}).await?;
    let mut w = World { chain, p: people, variant, fee_bps, orders: 0 };
    let plan = Plan::new(people);
    let shop = ShopPlan::new(people, api);
    let started = std::time::Instant::now();

    w.setup().await?;
    say(id, "accounts funded; token holders delegated");

    // Month one: three orders complete, their fees reach the treasury.
    let toys = w.completed_collective(&plan.toys).await?;
    let stole = w.completed_sale(&plan.stole).await?;
    let photos = w.completed_job(&plan.photos).await?;
    for o in [&toys, &stole, &photos] {
        w.claim_treasury(o).await?;
    }
    w.treasury_intake().await?;
    say(id, "completed: a collective order, a sale with a partner split, a freelance job");

    // Governance sets the first allocations; the fees are distributed.
    w.executed_proposal().await?;
    w.send(
        "distribute fees",
        &people.steward,
        chain.c.treasury,
        Treasury::distributeCall { token: chain.c.stablecoin },
    )
    .await?;
    for r in [&people.ops, &people.welfare] {
        w.send(
            "withdraw allocation",
            r,
            chain.c.treasury,
            Treasury::withdrawCall { token: chain.c.stablecoin, to: r.address },
        )
        .await?;
    }
    say(id, "proposal executed: treasury allocations set; fees distributed and withdrawn");

    // Month two.
    chain.warp(3 * DAY).await?;
    let paintings = w.funding_paintings(&plan.paintings).await?;
    let sarees = w.sarees(&plan.sarees).await?;
    let dinner = w.failing_dinner_set(&plan.dinner).await?;
    let bidri_box = w.paid_sale(&plan.bidri_box).await?;
    let website = w.resolved_job(&plan.website).await?;
    let branding = w.dismissed_job(&plan.branding).await?;
    let knobs = w.unruled_knobs(&plan.knobs).await?;
    let train = w.late_train(&plan.train).await?;
    w.cancelled_calendar(&plan.calendar).await?;
    chain.warp(13 * DAY).await?;
    w.send(
        "finalize",
        &people.madhubani,
        chain.c.escrow,
        Escrow::finalizeCall { orderId: paintings.id, terms: paintings.packed.clone() },
    )
    .await?;
    w.fail_and_refund(&dinner, &[&people.backers[0], &people.backers[1], &people.priya]).await?;
    w.send(
        "rule by default",
        &people.backers[4],
        chain.c.escrow,
        Escrow::ruleByDefaultCall { orderId: knobs.id, terms: knobs.packed.clone() },
    )
    .await?;
    w.refund_all(&knobs, &[&people.backers[4], &people.backers[5]]).await?;
    w.withdraw(&people.backers[5]).await?;
    w.settle(&knobs, &[&people.rahul]).await?;
    w.send(
        "expire",
        &people.backers[2],
        chain.c.escrow,
        Escrow::expireCall { orderId: train.id, terms: train.packed.clone() },
    )
    .await?;
    w.refund_all(&train, &[&people.backers[2], &people.backers[3]]).await?;
    for o in [&sarees, &website, &branding, &knobs] {
        w.claim_treasury(o).await?;
    }
    w.treasury_intake().await?;
    w.send(
        "distribute fees",
        &people.daniel,
        chain.c.treasury,
        Treasury::distributeCall { token: chain.c.stablecoin },
    )
    .await?;
    say(
        id,
        "funded, failed, cancelled, expired and disputed orders (ruled, dismissed, unruled); \
         more fees distributed",
    );

    // Today: a proposal opened a day ago, then the clock at the present and the open states.
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    if chain.now().await? + 2 * DAY < wall {
        chain.set_time(wall - DAY - 3600).await?;
    }
    w.voting_proposal().await?;
    if chain.now().await? + 60 < wall {
        chain.set_time(wall).await?;
    }
    w.deliver(&sarees, 1, "second stage woven").await?;
    w.deliver(&bidri_box, 0, "box shipped by courier").await?;
    w.dispute(
        &people.daniel,
        &bidri_box,
        "The lid is dented and the silver inlay is lifting at one corner.",
    )
    .await?;
    w.open_scroll(&plan.scroll).await?;
    w.open_translation(&plan.translation).await?;
    say(
        id,
        "open: a collective order in funding, a job awaiting payment, a delivery in review, a dispute, a proposal in voting",
    );
    let listings = w.shop(&shop).await?;
    say(id, "shop: three products listed with pictures and stock; purchases by buy and buyCart");
    say(id, &format!("{} orders seeded in {:.1} s", w.orders, started.elapsed().as_secs_f64()));

    let mut documents = plan.into_documents();
    documents.extend(shop.products.into_iter().map(|p| p.doc));
    Ok(Report {
        chain_id: id,
        orders: w.orders,
        proposals: 2,
        listings,
        documents,
        pictures: shop.pictures,
    })
}

impl World<'_> {
    /// The shop: each product listed by its artisan (the cushion cover and the tile with
    /// their partner shop's share in the split table), then purchases through `buy` and
    /// `buyCart`, each its own Escrow order; the listings keep stock. Returns how many
    /// listings were made.
    async fn shop(&mut self, plan: &ShopPlan) -> Result<u64> {
        use cointent_abi::shop::{IEscrow as ShopEscrow, IShop};
        let (p, c) = (self.p, self.chain.c);
        let first = self.chain.view(c.shop, Shop::listingCountCall {}).await? + U256::from(1);
        let (stock, extra) = match self.variant {
            Variant::A => (1, 0),
            Variant::B => (2, 1),
        };
        let specs: [ListingSpec<'_>; 3] = [
            (&p.ajrakh, Some((&p.haat, 1000)), 38, 12 * stock),
            (&p.toys, None, 6, 30 * stock),
            (&p.pottery, Some((&p.kala, 1500)), 14, 5 * stock),
        ];
        for ((seller, partner, dollars, stock), product) in specs.into_iter().zip(&plan.products) {
            let listing = IShop::Listing {
                seller: seller.address,
                partner: partner.map(|(who, _)| who.address).unwrap_or_default(),
                token: c.stablecoin,
                unitPrice: alloy::primitives::Uint::from(self.price(dollars)),
                stock,
                reviewPeriod: (7 * DAY) as u32,
                rulingPeriod: (7 * DAY) as u32,
                promoterBps: 500,
                bondBps: BOND_BPS,
                arbiter: p.arbiter.address,
                metadataHash: product.doc.hash,
                milestones: vec![ShopEscrow::Milestone {
                    bps: 10_000,
                    deliveryPeriod: (30 * DAY) as u32,
                }],
                splits: partner
                    .map(|(who, bps)| ShopEscrow::Split { recipient: who.address, bps })
                    .into_iter()
                    .collect(),
            };
            self.send("list a product", seller, c.shop, Shop::listCall { listing }).await?;
        }
        let id = |i: u64| first + U256::from(i);
        let price = |i: usize| U256::from(self.price(specs[i].2));
        for b in [&p.priya, &p.daniel, &p.backers[0]] {
            self.send(
                "approve shop",
                b,
                c.stablecoin,
                DemoStablecoin::approveCall { spender: c.shop, value: U256::MAX },
            )
            .await?;
        }
        // Two cushion covers by Daniel, promoted by Kavya.
        self.send(
            "buy",
            &p.daniel,
            c.shop,
            Shop::buyCall {
                listingId: id(0),
                units: 2,
                promoter: p.kavya.address,
                maxUnitPrice: price(0),
            },
        )
        .await?;
        // Priya's cart: three spinning tops and a tile, one transaction.
        let items = vec![
            IShop::Item {
                listingId: id(1),
                units: 3,
                promoter: Address::ZERO,
                maxUnitPrice: price(1),
            },
            IShop::Item {
                listingId: id(2),
                units: 1 + extra,
                promoter: Address::ZERO,
                maxUnitPrice: price(2),
            },
        ];
        self.send("buy a cart", &p.priya, c.shop, Shop::buyCartCall { items }).await?;
        // A backer buys a tile too.
        self.send(
            "buy",
            &p.backers[0],
            c.shop,
            Shop::buyCall {
                listingId: id(2),
                units: 1,
                promoter: Address::ZERO,
                maxUnitPrice: price(2),
            },
        )
        .await?;
        self.orders += 4;
        Ok(specs.len() as u64)
    }

    async fn send<C: alloy::sol_types::SolCall>(
        &self,
        what: &str,
        from: &Person,
        to: Address,
        call: C,
    ) -> Result<()> {
        self.chain.send(what, from.address, to, call).await
    }

    /// dUSD in its 6-decimal units; the second chain's prices are a tenth higher.
    fn price(&self, dollars: u64) -> u64 {
        let cents = match self.variant {
            Variant::A => dollars * 100,
            Variant::B => dollars * 110,
        };
        cents * 10_000
    }

    async fn setup(&self) -> Result<()> {
        let (p, c) = (self.p, self.chain.c);
        let eth = U256::from(10u128 * VOTE);
        for person in p.everyone().into_iter().skip(10) {
            self.chain.send_value(p.steward.address, person.address, eth).await?;
        }
        let mut buyers = vec![&p.priya, &p.daniel, &p.haat];
        buyers.extend(p.backers.iter());
        for b in buyers {
            self.send(
                "mint dUSD",
                &p.steward,
                c.stablecoin,
                DemoStablecoin::mintCall { to: b.address, amount: U256::from(self.price(10_000)) },
            )
            .await?;
            self.send(
                "approve escrow",
                b,
                c.stablecoin,
                DemoStablecoin::approveCall { spender: c.escrow, value: U256::MAX },
            )
            .await?;
        }
        for (who, millions) in
            [(&p.arbiter, 3u128), (&p.priya, 2), (&p.daniel, 2), (&p.kavya, 1), (&p.ikat, 1)]
        {
            self.send(
                "transfer votes",
                &p.steward,
                c.token,
                Token::transferCall {
                    to: who.address,
                    value: U256::from(millions * 1_000_000 * VOTE),
                },
            )
            .await?;
        }
        for (who, to) in [
            (&p.steward, &p.steward),
            (&p.arbiter, &p.arbiter),
            (&p.daniel, &p.daniel),
            (&p.priya, &p.arbiter),
            (&p.kavya, &p.arbiter),
            (&p.ikat, &p.daniel),
        ] {
            self.send("delegate", who, c.token, Token::delegateCall { delegatee: to.address })
                .await?;
        }
        Ok(())
    }

    async fn create(&mut self, s: Spec<'_>) -> Result<Order> {
        let now = self.chain.now().await?;
        let terms = Terms {
            seller: s.seller.address,
            token: self.chain.c.stablecoin,
            unitPrice: alloy::primitives::Uint::from(self.price(s.price)),
            minUnits: s.min,
            maxUnits: s.max,
            fundingDeadline: alloy::primitives::Uint::from(now + s.days * DAY),
            reviewPeriod: (s.review_days * DAY) as u32,
            rulingPeriod: (s.ruling_days * DAY) as u32,
            promoterBps: s.promoter_bps,
            feeBps: self.fee_bps,
            bondBps: BOND_BPS,
            soleBuyer: s.buyer.map_or(Address::ZERO, |b| b.address),
            arbiter: self.p.arbiter.address,
            metadataHash: s.doc.hash,
            milestones: s
                .milestones
                .iter()
                .map(|&bps| Milestone { bps, deliveryPeriod: (s.deliver_days * DAY) as u32 })
                .collect(),
            splits: s
                .splits
                .iter()
                .map(|(r, bps)| Split { recipient: r.address, bps: *bps })
                .collect(),
        };
        let packed = cointent_domain::terms::pack(&terms)?;
        let c = self.chain.c;
        self.send(
            "create order",
            s.seller,
            c.escrow,
            Escrow::createOrderCall { terms: packed.clone() },
        )
        .await?;
        let id = self.chain.view(c.escrow, Escrow::orderCountCall {}).await?;
        self.orders += 1;
        Ok(Order { id, terms, packed })
    }

    async fn pledge(
        &self,
        who: &Person,
        o: &Order,
        units: u64,
        promoter: Option<&Person>,
    ) -> Result<()> {
        self.send(
            "pledge",
            who,
            self.chain.c.escrow,
            Escrow::pledgeCall {
                orderId: o.id,
                terms: o.packed.clone(),
                units: U256::from(units),
                promoter: promoter.map_or(Address::ZERO, |p| p.address),
            },
        )
        .await
    }

    async fn finalize(&self, o: &Order) -> Result<()> {
        self.send(
            "finalize",
            &self.p.steward,
            self.chain.c.escrow,
            Escrow::finalizeCall { orderId: o.id, terms: o.packed.clone() },
        )
        .await
    }

    async fn deliver(&self, o: &Order, milestone: u32, proof: &str) -> Result<()> {
        let seller = self.p.everyone().into_iter().find(|p| p.address == o.terms.seller);
        let seller = seller.expect("sellers are demo people");
        self.send(
            "deliver milestone",
            seller,
            self.chain.c.escrow,
            Escrow::deliverMilestoneCall {
                orderId: o.id,
                terms: o.packed.clone(),
                proofHash: keccak256(format!("order {} milestone {milestone}: {proof}", o.id)),
            },
        )
        .await
    }

    async fn approve(&self, who: &Person, o: &Order) -> Result<()> {
        self.send(
            "approve milestone",
            who,
            self.chain.c.escrow,
            Escrow::approveMilestoneCall { orderId: o.id, terms: o.packed.clone() },
        )
        .await
    }

    /// Lets the review period pass and releases the delivered milestone.
    async fn release_after_review(&self, o: &Order, by: &Person) -> Result<()> {
        self.chain.warp(u64::from(o.terms.reviewPeriod) + 3600).await?;
        self.send(
            "release",
            by,
            self.chain.c.escrow,
            Escrow::releaseCall { orderId: o.id, terms: o.packed.clone() },
        )
        .await
    }

    /// Credits and withdraws the seller's, the split recipients' and the promoters' shares.
    async fn settle(&self, o: &Order, promoters: &[&Person]) -> Result<()> {
        let (c, p) = (self.chain.c, self.p);
        let mut accounts: Vec<Address> = vec![o.terms.seller];
        accounts.extend(o.terms.splits.iter().map(|s| s.recipient));
        for account in &accounts {
            let due = self
                .chain
                .view(
                    c.lens,
                    EscrowLens::claimableCall {
                        orderId: o.id,
                        terms: o.packed.clone(),
                        account: *account,
                    },
                )
                .await?;
            if !due.is_zero() {
                self.send(
                    "claim",
                    &p.steward,
                    c.escrow,
                    Escrow::claimCall { orderId: o.id, terms: o.packed.clone(), account: *account },
                )
                .await?;
            }
        }
        for promoter in promoters {
            let due = self
                .chain
                .view(
                    c.lens,
                    EscrowLens::commissionClaimableCall {
                        orderId: o.id,
                        terms: o.packed.clone(),
                        promoter: promoter.address,
                    },
                )
                .await?;
            if !due.is_zero() {
                self.send(
                    "claim commission",
                    promoter,
                    c.escrow,
                    Escrow::claimCommissionCall {
                        orderId: o.id,
                        terms: o.packed.clone(),
                        promoter: promoter.address,
                    },
                )
                .await?;
            }
            accounts.push(promoter.address);
        }
        for account in accounts {
            let balance = self
                .chain
                .view(c.escrow, Escrow::balanceOfCall { token: c.stablecoin, account })
                .await?;
            if !balance.is_zero() {
                let who = p.everyone().into_iter().find(|x| x.address == account);
                self.send(
                    "withdraw",
                    who.unwrap_or(&p.steward),
                    c.escrow,
                    Escrow::withdrawCall { token: c.stablecoin, account, to: account },
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Credits the platform fee of what `o` released so far, if any.
    async fn claim_treasury(&self, o: &Order) -> Result<()> {
        let c = self.chain.c;
        let call = EscrowLens::claimableCall {
            orderId: o.id,
            terms: o.packed.clone(),
            account: c.treasury,
        };
        if self.chain.view(c.lens, call).await?.is_zero() {
            return Ok(());
        }
        self.send(
            "claim platform fee",
            &self.p.steward,
            c.escrow,
            Escrow::claimCall { orderId: o.id, terms: o.packed.clone(), account: c.treasury },
        )
        .await
    }

    /// Moves the treasury's credited fees out of the escrow into the Treasury contract.
    async fn treasury_intake(&self) -> Result<()> {
        let c = self.chain.c;
        self.send(
            "withdraw fees to the treasury",
            &self.p.steward,
            c.escrow,
            Escrow::withdrawCall { token: c.stablecoin, account: c.treasury, to: c.treasury },
        )
        .await
    }

    /// Channapatna toys: 30 sets pledged (two promoters), both milestones released, one by
    /// every backer's approval and one after the review period.
    async fn completed_collective(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.toys,
                price: 28,
                min: 20,
                max: 30,
                days: 10,
                review_days: 5,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 500,
                buyer: None,
                milestones: &[4000, 6000],
                splits: &[],
                doc,
            })
            .await?;
        self.pledge(&p.priya, &o, 5, Some(&p.kavya)).await?;
        self.pledge(&p.daniel, &o, 4, None).await?;
        self.pledge(&p.backers[0], &o, 6, Some(&p.kavya)).await?;
        self.pledge(&p.backers[1], &o, 5, Some(&p.rahul)).await?;
        self.chain.warp(2 * DAY).await?;
        self.pledge(&p.backers[2], &o, 10, None).await?;
        self.finalize(&o).await?;
        self.chain.warp(3 * DAY).await?;
        self.deliver(&o, 0, "wood seasoned and turned").await?;
        for b in [&p.priya, &p.daniel, &p.backers[0], &p.backers[1], &p.backers[2]] {
            self.approve(b, &o).await?;
        }
        self.chain.warp(6 * DAY).await?;
        self.deliver(&o, 1, "sets shipped").await?;
        self.release_after_review(&o, &p.kavya).await?;
        self.settle(&o, &[&p.kavya, &p.rahul]).await?;
        Ok(o)
    }

    /// An Ajrakh stole bought by Priya through Kavya's link; Haat & Loom gets 20 %.
    async fn completed_sale(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.ajrakh,
                price: 45,
                min: 1,
                max: 1,
                days: 7,
                review_days: 3,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 500,
                buyer: Some(&p.priya),
                milestones: &[10_000],
                splits: &[(&p.haat, 2000)],
                doc,
            })
            .await?;
        self.pledge(&p.priya, &o, 1, Some(&p.kavya)).await?;
        self.finalize(&o).await?;
        self.chain.warp(DAY).await?;
        self.deliver(&o, 0, "stole shipped").await?;
        self.approve(&p.priya, &o).await?;
        self.settle(&o, &[&p.kavya]).await?;
        Ok(o)
    }

    /// Catalogue photography: three milestones, two approved, the last released after its
    /// review period.
    async fn completed_job(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.freelancer,
                price: 600,
                min: 1,
                max: 1,
                days: 5,
                review_days: 7,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 0,
                buyer: Some(&p.priya),
                milestones: &[3000, 3000, 4000],
                splits: &[],
                doc,
            })
            .await?;
        self.pledge(&p.priya, &o, 1, None).await?;
        self.finalize(&o).await?;
        for (m, proof) in ["shoot plan", "workshop shoot"].iter().enumerate() {
            self.chain.warp(2 * DAY).await?;
            self.deliver(&o, m as u32, proof).await?;
            self.approve(&p.priya, &o).await?;
        }
        self.chain.warp(2 * DAY).await?;
        self.deliver(&o, 2, "edited photographs").await?;
        self.release_after_review(&o, &p.freelancer).await?;
        self.settle(&o, &[]).await?;
        Ok(o)
    }

    /// Madhubani paintings: the goal is met but not the cap; finalized after the deadline.
    async fn funding_paintings(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.madhubani,
                price: 35,
                min: 10,
                max: 25,
                days: 12,
                review_days: 5,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 800,
                buyer: None,
                milestones: &[5000, 5000],
                splits: &[],
                doc,
            })
            .await?;
        self.pledge(&p.daniel, &o, 3, Some(&p.kavya)).await?;
        self.pledge(&p.backers[3], &o, 4, None).await?;
        let units = if self.variant == Variant::A { 5 } else { 7 };
        self.pledge(&p.backers[4], &o, units, Some(&p.rahul)).await?;
        Ok(o)
    }

    /// Pochampally sarees: funded to the cap, first stage released after review (the
    /// second stage is delivered later, "today").
    async fn sarees(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.ikat,
                price: 180,
                min: 4,
                max: 6,
                days: 10,
                review_days: 7,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 300,
                buyer: None,
                milestones: &[3000, 4000, 3000],
                splits: &[(&p.haat, 1500)],
                doc,
            })
            .await?;
        self.pledge(&p.priya, &o, 2, Some(&p.kavya)).await?;
        self.pledge(&p.backers[5], &o, 2, None).await?;
        self.pledge(&p.daniel, &o, 2, None).await?;
        self.finalize(&o).await?;
        self.deliver(&o, 0, "yarn tied and dyed").await?;
        self.release_after_review(&o, &p.ikat).await?;
        self.settle(&o, &[&p.kavya]).await?;
        Ok(o)
    }

    /// Blue pottery: 14 of the 40 sets needed are pledged.
    async fn failing_dinner_set(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.pottery,
                price: 60,
                min: 40,
                max: 60,
                days: 12,
                review_days: 5,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 500,
                buyer: None,
                milestones: &[6000, 4000],
                splits: &[(&p.kala, 1500)],
                doc,
            })
            .await?;
        self.pledge(&p.backers[0], &o, 4, Some(&p.rahul)).await?;
        self.pledge(&p.backers[1], &o, 6, None).await?;
        let units = if self.variant == Variant::A { 4 } else { 9 };
        self.pledge(&p.priya, &o, units, Some(&p.kavya)).await?;
        Ok(o)
    }

    async fn fail_and_refund(&self, o: &Order, backers: &[&Person]) -> Result<()> {
        self.finalize(o).await?;
        self.refund_all(o, backers).await
    }

    /// Each of `backers` takes back what the ended, failed or cancelled order owes them.
    async fn refund_all(&self, o: &Order, backers: &[&Person]) -> Result<()> {
        for b in backers {
            self.send(
                "refund",
                b,
                self.chain.c.escrow,
                Escrow::refundCall {
                    orderId: o.id,
                    terms: o.packed.clone(),
                    backer: b.address,
                    to: b.address,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// A Bidri box bought by Daniel, paid and waiting for delivery.
    async fn paid_sale(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.bidri,
                price: 120,
                min: 1,
                max: 1,
                days: 7,
                review_days: 5,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 0,
                buyer: Some(&p.daniel),
                milestones: &[10_000],
                splits: &[(&p.kala, 2500)],
                doc,
            })
            .await?;
        self.pledge(&p.daniel, &o, 1, None).await?;
        self.finalize(&o).await?;
        Ok(o)
    }

    /// A web shop job: the design half approved; the product pages, delivered incomplete,
    /// are disputed by Daniel (who pays the bond). The arbiter releases a third of that
    /// milestone and ends the order: Daniel takes back the withheld two thirds and his bond.
    async fn resolved_job(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.freelancer,
                price: 900,
                min: 1,
                max: 1,
                days: 5,
                review_days: 7,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 0,
                buyer: Some(&p.daniel),
                milestones: &[5000, 5000],
                splits: &[],
                doc,
            })
            .await?;
        self.pledge(&p.daniel, &o, 1, None).await?;
        self.finalize(&o).await?;
        self.chain.warp(4 * DAY).await?;
        self.deliver(&o, 0, "design and product pages").await?;
        self.approve(&p.daniel, &o).await?;
        self.chain.warp(3 * DAY).await?;
        self.deliver(&o, 1, "shop pages, without payments").await?;
        self.chain.warp(DAY).await?;
        self.dispute(
            &p.daniel,
            &o,
            "The checkout does not take payments, which the brief required.",
        )
        .await?;
        self.chain.warp(2 * DAY).await?;
        let amount = self.milestone_amount(&o, 1).await?;
        self.rule(&o, amount / U256::from(3), true).await?;
        self.refund_all(&o, &[&p.daniel]).await?;
        self.settle(&o, &[]).await?;
        self.withdraw(&p.daniel).await?;
        Ok(o)
    }

    /// Haat & Loom's catalogue design: Haat disputes the first delivery, the arbiter
    /// dismisses the dispute (the bond goes to the designer) and the schedule continues to
    /// the end.
    async fn dismissed_job(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.freelancer,
                price: 400,
                min: 1,
                max: 1,
                days: 5,
                review_days: 5,
                deliver_days: 30,
                ruling_days: 7,
                promoter_bps: 0,
                buyer: Some(&p.haat),
                milestones: &[4000, 6000],
                splits: &[],
                doc,
            })
            .await?;
        self.pledge(&p.haat, &o, 1, None).await?;
        self.finalize(&o).await?;
        self.chain.warp(2 * DAY).await?;
        self.deliver(&o, 0, "logo and palette").await?;
        self.chain.warp(DAY).await?;
        self.dispute(&p.haat, &o, "The palette is not the one we agreed on in the brief.").await?;
        self.chain.warp(DAY).await?;
        let amount = self.milestone_amount(&o, 0).await?;
        self.rule(&o, amount, false).await?;
        self.chain.warp(3 * DAY).await?;
        self.deliver(&o, 1, "twelve catalogue layouts").await?;
        self.approve(&p.haat, &o).await?;
        self.settle(&o, &[]).await?;
        Ok(o)
    }

    /// Blue pottery knobs: funded to the cap, the firing delivered and disputed; the arbiter
    /// lets the ruling period pass, so the default ruling ends the order (later, with the
    /// month's other endings).
    async fn unruled_knobs(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.pottery,
                price: 24,
                min: 4,
                max: 6,
                days: 10,
                review_days: 5,
                deliver_days: 30,
                ruling_days: 3,
                promoter_bps: 400,
                buyer: None,
                milestones: &[7000, 3000],
                splits: &[],
                doc,
            })
            .await?;
        self.pledge(&p.backers[4], &o, 4, Some(&p.rahul)).await?;
        self.pledge(&p.backers[5], &o, 2, None).await?;
        self.finalize(&o).await?;
        self.deliver(&o, 0, "fired and painted, half of them cracked").await?;
        self.dispute(&p.backers[5], &o, "Half of the pots arrived cracked.").await?;
        Ok(o)
    }

    /// Channapatna toy train: funded to the cap; the first stage is never delivered, so the
    /// order expires once its delivery deadline has passed (later).
    async fn late_train(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.toys,
                price: 32,
                min: 3,
                max: 5,
                days: 10,
                review_days: 5,
                deliver_days: 7,
                ruling_days: 7,
                promoter_bps: 0,
                buyer: None,
                milestones: &[5000, 5000],
                splits: &[],
                doc,
            })
            .await?;
        self.pledge(&p.backers[2], &o, 3, None).await?;
        self.pledge(&p.backers[3], &o, 2, None).await?;
        self.finalize(&o).await?;
        Ok(o)
    }

    /// Madhubani calendars: cancelled by the artist while funding; both backers take their
    /// money back.
    async fn cancelled_calendar(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.madhubani,
                price: 18,
                min: 10,
                max: 40,
                days: 20,
                review_days: 5,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 0,
                buyer: None,
                milestones: &[10_000],
                splits: &[],
                doc,
            })
            .await?;
        self.pledge(&p.backers[5], &o, 2, None).await?;
        self.pledge(&p.daniel, &o, 1, None).await?;
        self.send(
            "cancel",
            &p.madhubani,
            self.chain.c.escrow,
            Escrow::cancelCall { orderId: o.id, terms: o.packed.clone() },
        )
        .await?;
        self.refund_all(&o, &[&p.backers[5], &p.daniel]).await?;
        Ok(o)
    }

    async fn dispute(&self, who: &Person, o: &Order, reason: &str) -> Result<()> {
        self.send(
            "dispute",
            who,
            self.chain.c.escrow,
            Escrow::disputeCall { orderId: o.id, terms: o.packed.clone(), reason: reason.into() },
        )
        .await
    }

    async fn rule(&self, o: &Order, release: U256, end: bool) -> Result<()> {
        self.send(
            "rule",
            &self.p.arbiter,
            self.chain.c.escrow,
            Escrow::ruleCall {
                orderId: o.id,
                terms: o.packed.clone(),
                releaseAmount: release,
                endOrder: end,
            },
        )
        .await
    }

    async fn milestone_amount(&self, o: &Order, index: u64) -> Result<U256> {
        let call = EscrowLens::milestoneAmountCall {
            orderId: o.id,
            terms: o.packed.clone(),
            index: U256::from(index),
        };
        self.chain.view(self.chain.c.lens, call).await
    }

    /// Pays out `who`'s whole escrow balance (bonds returned, for instance) to itself.
    async fn withdraw(&self, who: &Person) -> Result<()> {
        let c = self.chain.c;
        let call = Escrow::balanceOfCall { token: c.stablecoin, account: who.address };
        if self.chain.view(c.escrow, call).await?.is_zero() {
            return Ok(());
        }
        let call =
            Escrow::withdrawCall { token: c.stablecoin, account: who.address, to: who.address };
        self.send("withdraw", who, c.escrow, call).await
    }

    /// Pattachitra scrolls: open for pledges for three weeks, 5 of 8 pledged so far.
    async fn open_scroll(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        let o = self
            .create(Spec {
                seller: &p.patta,
                price: 75,
                min: 8,
                max: 20,
                days: 21,
                review_days: 7,
                deliver_days: 60,
                ruling_days: 7,
                promoter_bps: 600,
                buyer: None,
                milestones: &[5000, 5000],
                splits: &[(&p.haat, 1000)],
                doc,
            })
            .await?;
        self.pledge(&p.priya, &o, 2, Some(&p.kavya)).await?;
        self.pledge(&p.backers[2], &o, 1, Some(&p.rahul)).await?;
        self.pledge(&p.backers[3], &o, 2, None).await?;
        Ok(o)
    }

    /// A translation job waiting for Priya's payment (try it in the app as dev account 6).
    async fn open_translation(&mut self, doc: &Document) -> Result<Order> {
        let p = self.p;
        self.create(Spec {
            seller: &p.freelancer,
            price: 350,
            min: 1,
            max: 1,
            days: 14,
            review_days: 5,
            deliver_days: 60,
            ruling_days: 7,
            promoter_bps: 0,
            buyer: Some(&p.priya),
            milestones: &[5000, 5000],
            splits: &[],
            doc,
        })
        .await
    }

    fn allocations(&self, ops: u16, welfare: u16, carbon: u16) -> Vec<Allocation> {
        let label = |s: &str| {
            let mut b = [0u8; 32];
            b[..s.len()].copy_from_slice(s.as_bytes());
            FixedBytes(b)
        };
        vec![
            Allocation { label: label("operations"), recipient: self.p.ops.address, bps: ops },
            Allocation {
                label: label("artisan-welfare"),
                recipient: self.p.welfare.address,
                bps: welfare,
            },
            Allocation {
                label: label("carbon-offsets"),
                recipient: self.p.carbon.address,
                bps: carbon,
            },
        ]
    }

    /// Proposes `allocations` from `proposer`; returns the proposal's calls and id.
    async fn propose(
        &self,
        proposer: &Person,
        allocations: Vec<Allocation>,
        description: &str,
    ) -> Result<(Vec<Address>, Vec<U256>, Vec<Bytes>, U256)> {
        use alloy::sol_types::SolCall;
        let c = self.chain.c;
        let targets = vec![c.treasury];
        let values = vec![U256::ZERO];
        let calldatas: Vec<Bytes> =
            vec![Treasury::setAllocationsCall { newAllocations: allocations }.abi_encode().into()];
        self.send(
            "propose",
            proposer,
            c.governor,
            CointentGovernor::proposeCall {
                targets: targets.clone(),
                values: values.clone(),
                calldatas: calldatas.clone(),
                description: description.to_string(),
            },
        )
        .await?;
        let id = self
            .chain
            .view(
                c.governor,
                CointentGovernor::hashProposalCall {
                    targets: targets.clone(),
                    values: values.clone(),
                    calldatas: calldatas.clone(),
                    descriptionHash: keccak256(description),
                },
            )
            .await?;
        Ok((targets, values, calldatas, id))
    }

    async fn vote(&self, who: &Person, id: U256, support: u8, reason: &str) -> Result<()> {
        self.send(
            "vote",
            who,
            self.chain.c.governor,
            CointentGovernor::castVoteWithReasonCall {
                proposalId: id,
                support,
                reason: reason.to_string(),
            },
        )
        .await
    }

    /// The first allocations: proposed, voted, queued and executed; the governor counts
    /// seconds, so the clock moves past its voting delay, period and the timelock's delay.
    async fn executed_proposal(&self) -> Result<()> {
        let (p, c) = (self.p, self.chain.c);
        let description = "# Set the first treasury allocations\n\nShare platform fees 50 % \
                           operations, 30 % artisan welfare fund (health cover and tools for \
                           artisan families), 20 % carbon offsets for shipping.";
        let (targets, values, calldatas, id) =
            self.propose(&p.arbiter, self.allocations(5000, 3000, 2000), description).await?;
        self.past_voting_delay().await?;
        self.vote(&p.arbiter, id, 1, "Operations need a budget; welfare and offsets matter too.")
            .await?;
        self.vote(&p.daniel, id, 0, "Welfare should get more than operations.").await?;
        let period = self.chain.view(c.governor, CointentGovernor::votingPeriodCall {}).await?;
        self.chain.warp(period.to::<u64>() + 60).await?;
        let hash = keccak256(description);
        self.send(
            "queue",
            &p.arbiter,
            c.governor,
            CointentGovernor::queueCall {
                targets: targets.clone(),
                values: values.clone(),
                calldatas: calldatas.clone(),
                descriptionHash: hash,
            },
        )
        .await?;
        self.chain.warp(2 * DAY + 60).await?;
        self.send(
            "execute",
            &p.steward,
            c.governor,
            CointentGovernor::executeCall { targets, values, calldatas, descriptionHash: hash },
        )
        .await?;
        let set = self.chain.view(c.treasury, Treasury::allocationsCall {}).await?;
        ensure!(set.len() == 3, "the executed proposal did not set the allocations");
        Ok(())
    }

    /// Moves the clock past the governor's voting delay (votes open at the snapshot).
    async fn past_voting_delay(&self) -> Result<()> {
        let c = self.chain.c;
        let delay = self.chain.view(c.governor, CointentGovernor::votingDelayCall {}).await?;
        self.chain.warp(delay.to::<u64>() + 60).await
    }

    /// Daniel's proposal to give the welfare fund more, its votes open for a week.
    async fn voting_proposal(&self) -> Result<()> {
        let p = self.p;
        let description = "# Raise the artisan welfare fund to 40 %\n\nMove ten points from \
                           operations to the artisan welfare fund: 40 % operations, 40 % \
                           welfare, 20 % carbon offsets.";
        let (_, _, _, id) =
            self.propose(&p.daniel, self.allocations(4000, 4000, 2000), description).await?;
        self.past_voting_delay().await?;
        self.vote(&p.daniel, id, 1, "As argued last month.").await?;
        self.vote(&p.arbiter, id, 2, "Abstaining until the welfare fund reports.").await?;
        Ok(())
    }
}

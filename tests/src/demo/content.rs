//! The people and things of the demo world: artisans from several regions of India with
//! their crafts and stories, partner shops, products and freelance jobs.
//!
//! The names are invented; the crafts, places and techniques are real. Texts stay short
//! and plain so that the app's pages read like a real catalogue.

/// An artisan (or a freelancer) who sells through Co-Intent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Maker {
    pub(crate) name: &'static str,
    pub(crate) region: &'static str,
    pub(crate) craft: &'static str,
    pub(crate) story: &'static str,
}

/// A shop that stocks artisans' work and earns a share of each sale (split table).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Partner {
    pub(crate) name: &'static str,
    pub(crate) city: &'static str,
    pub(crate) url: &'static str,
    pub(crate) story: &'static str,
}

/// A listing's text: what the metadata document says about an order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Listing {
    pub(crate) title: &'static str,
    pub(crate) description: &'static str,
    pub(crate) category: &'static str,
    pub(crate) product: &'static str,
    pub(crate) sku: &'static str,
    pub(crate) materials: &'static [&'static str],
    pub(crate) milestones: &'static [&'static str],
}

pub(crate) const AJRAKH: Maker = Maker {
    name: "Rehana Khatri",
    region: "Kutch, Gujarat",
    craft: "Ajrakh block printing",
    story: "Rehana prints Ajrakh the way her family has for nine generations: cotton \
            washed in the river, resist-printed with hand-carved teak blocks, dyed in \
            indigo and madder, and printed again, up to sixteen stages over two weeks. \
            After the 2001 earthquake her village rebuilt its workshops around a new \
            well; the water there is soft enough for the deep Ajrakh reds.",
};

pub(crate) const CHANNAPATNA: Maker = Maker {
    name: "Shivanna Gowda",
    region: "Channapatna, Karnataka",
    craft: "Channapatna lacquer toys",
    story: "Shivanna turns soft Aale mara (ivory wood) on a lathe and finishes each toy \
            with lac coloured by turmeric, indigo and kumkum, polished with a screw-pine \
            leaf. The town's toys carry a Geographical Indication tag; his workshop \
            employs six turners and trains two apprentices a year.",
};

pub(crate) const MADHUBANI: Maker = Maker {
    name: "Sunita Jha",
    region: "Madhubani, Bihar",
    craft: "Madhubani painting",
    story: "Sunita learned Mithila painting from her grandmother on the mud walls of \
            their home in Jitwarpur. She paints with nib and bamboo twigs, using lamp \
            black, turmeric and flower colours, and teaches girls in her village to \
            sign and price their own work.",
};

pub(crate) const IKAT: Maker = Maker {
    name: "Lakshmi Rao",
    region: "Pochampally, Telangana",
    craft: "Pochampally ikat weaving",
    story: "In Lakshmi's household the pattern is tied and dyed into the yarn before a \
            single thread is woven: the warp and weft are bound, dyed and re-tied until \
            the design appears on the loom. A double-ikat saree takes her and her \
            husband about five weeks on their pit loom.",
};

pub(crate) const BIDRI: Maker = Maker {
    name: "Imran Qureshi",
    region: "Bidar, Karnataka",
    craft: "Bidriware",
    story: "Imran casts an alloy of zinc and copper, engraves it freehand and hammers \
            fine silver wire into the grooves. The piece is blackened with soil from \
            the old Bidar fort, which only darkens the alloy and leaves the silver \
            shining. He is the fourth generation in his family to work the craft.",
};

pub(crate) const BLUE_POTTERY: Maker = Maker {
    name: "Kamla Prajapati",
    region: "Jaipur, Rajasthan",
    craft: "Jaipur blue pottery",
    story: "Jaipur blue pottery uses no clay: Kamla shapes a dough of quartz powder, \
            powdered glass and Multani mitti, paints it in cobalt blue and fires it \
            once at low heat. She runs a small kiln outside Sanganer with her two \
            daughters.",
};

pub(crate) const PATTACHITRA: Maker = Maker {
    name: "Bhagaban Maharana",
    region: "Raghurajpur, Odisha",
    craft: "Pattachitra scroll painting",
    story: "In the heritage village of Raghurajpur every house is a studio. Bhagaban \
            prepares his canvas from cloth coated with tamarind-seed paste and chalk, \
            and paints the stories of Jagannath with stone and shell colours and \
            brushes made from squirrel hair and keya roots.",
};

pub(crate) const FREELANCER: Maker = Maker {
    name: "Arjun Nair",
    region: "Bengaluru, Karnataka",
    craft: "Product photography and web design",
    story: "Arjun photographs and builds shop pages for craft cooperatives, \
            paid by milestone through Co-Intent.",
};

pub(crate) const HAAT: Partner = Partner {
    name: "Haat & Loom",
    city: "New Delhi",
    url: "https://haat-and-loom.example",
    story: "A shop in Hauz Khas that stocks work from forty artisan families and \
            publishes its share of every sale.",
};

pub(crate) const KALA: Partner = Partner {
    name: "Kala Bazaar",
    city: "Jaipur",
    url: "https://kala-bazaar.example",
    story: "A partner shop near Johari Bazaar that ships hand-made pieces across India.",
};

/// The products and jobs, in the order the world uses them.
pub(crate) const TOYS: Listing = Listing {
    title: "Channapatna lacquer toy set — collective batch",
    description: "A set of five turned wooden toys (spinning top, rattle, stacking rings, \
                  elephant, bullock cart) in natural lac colours, safe for small children. \
                  The batch is made when 20 sets are pledged.",
    category: "Toys",
    product: "Lacquer toy set of five",
    sku: "CHN-TOY-5",
    materials: &["Aale mara wood", "lac", "natural dyes"],
    milestones: &["Wood seasoned and turned", "Lacquered, packed and shipped"],
};

pub(crate) const STOLE: Listing = Listing {
    title: "Ajrakh hand-block printed cotton stole",
    description: "A 2 m cotton stole in indigo and madder, printed on both sides with \
                  traditional Ajrakh blocks. Sold through Haat & Loom.",
    category: "Textiles",
    product: "Ajrakh stole",
    sku: "AJK-STL-01",
    materials: &["cotton", "indigo", "madder", "alizarin"],
    milestones: &["Printed, washed and shipped"],
};

pub(crate) const PHOTOS: Listing = Listing {
    title: "Catalogue photography for a toy cooperative",
    description: "Forty product photographs on a neutral background, six lifestyle \
                  photographs in the workshop, and edited files for the web shop.",
    category: "Services",
    product: "Photography package",
    sku: "SRV-PHOTO-40",
    materials: &[],
    milestones: &["Shoot plan and test shots", "Workshop shoot", "Edited photographs"],
};

pub(crate) const PAINTINGS: Listing = Listing {
    title: "Madhubani fish and lotus paintings — collective order",
    description: "Hand-painted A3 paintings on handmade paper, each one signed. Fish and \
                  lotus are symbols of plenty and of the marriage ceremony in Mithila art.",
    category: "Paintings",
    product: "Madhubani painting, A3",
    sku: "MDB-A3-FL",
    materials: &["handmade paper", "natural pigments", "lamp black"],
    milestones: &["Paintings finished and photographed", "Framed and shipped"],
};

pub(crate) const SAREES: Listing = Listing {
    title: "Pochampally double-ikat sarees — collective order",
    description: "Silk sarees in a traditional telia rumal pattern, woven on a pit loom. \
                  Backers approve each stage: dyed yarn, weaving, finishing.",
    category: "Textiles",
    product: "Double-ikat silk saree",
    sku: "PCH-SAR-DI",
    materials: &["mulberry silk", "natural and azo-free dyes"],
    milestones: &["Yarn tied and dyed", "Woven on the loom", "Finished and shipped"],
};

pub(crate) const DINNER_SET: Listing = Listing {
    title: "Jaipur blue pottery dinner set — collective order",
    description: "A twelve-piece dinner set in cobalt and turquoise. A kiln firing is only \
                  worth it for 40 sets, so the order runs only if 40 are pledged.",
    category: "Pottery",
    product: "Blue pottery dinner set, 12 pieces",
    sku: "JBP-DIN-12",
    materials: &["quartz powder", "powdered glass", "Multani mitti", "cobalt oxide"],
    milestones: &["Fired and glazed", "Packed and shipped"],
};

pub(crate) const BOX: Listing = Listing {
    title: "Bidri silver-inlaid jewellery box",
    description: "A small box in blackened zinc alloy with a silver-wire inlay of poppy \
                  flowers. Sold through Kala Bazaar.",
    category: "Metalware",
    product: "Bidri jewellery box",
    sku: "BDR-BOX-P",
    materials: &["zinc-copper alloy", "silver wire", "Bidar fort soil"],
    milestones: &["Inlaid, blackened and shipped"],
};

pub(crate) const WEBSITE: Listing = Listing {
    title: "Web shop for a weavers' cooperative",
    description: "A small bilingual web shop (English, Telugu) with product pages and a \
                  QR code per saree linking to its Co-Intent transparency page.",
    category: "Services",
    product: "Web shop",
    sku: "SRV-WEB-COOP",
    materials: &[],
    milestones: &["Design and product pages", "Launch and handover"],
};

pub(crate) const SCROLL: Listing = Listing {
    title: "Pattachitra scroll of the Rath Yatra — collective order",
    description: "A 1 m painted cloth scroll telling the story of Jagannath's chariot \
                  festival in Puri, in stone and shell colours.",
    category: "Paintings",
    product: "Pattachitra scroll, 1 m",
    sku: "PTC-SCR-RY",
    materials: &["cotton cloth", "tamarind-seed paste", "stone colours", "shell white"],
    milestones: &["Scrolls painted", "Varnished and shipped"],
};

pub(crate) const TRANSLATION: Listing = Listing {
    title: "Catalogue translation into Hindi and Kannada",
    description: "Translate the toy catalogue (about 3 000 words) and the artisans' \
                  stories, with a review round by the cooperative.",
    category: "Services",
    product: "Translation",
    sku: "SRV-TRN-HI-KN",
    materials: &[],
    milestones: &["Draft translation", "Reviewed final text"],
};

pub(crate) const BRANDING: Listing = Listing {
    title: "Brand identity for Haat & Loom's festive catalogue",
    description: "A logo refresh, a festive colour palette and twelve catalogue page \
                  layouts. The first delivery was disputed and the arbiter dismissed the \
                  dispute: the design matched the brief.",
    category: "Services",
    product: "Catalogue design",
    sku: "SRV-BRAND-HL",
    materials: &[],
    milestones: &["Logo and palette", "Catalogue layouts"],
};

pub(crate) const KNOBS: Listing = Listing {
    title: "Blue pottery door knobs — collective order",
    description: "Sets of six hand-painted door and drawer knobs in cobalt and white. \
                  The firing was disputed and the arbiter never ruled: the default ruling \
                  ended the order and backers took back what was held.",
    category: "Pottery",
    product: "Blue pottery knobs, set of six",
    sku: "JBP-KNB-6",
    materials: &["quartz powder", "powdered glass", "cobalt oxide", "brass screws"],
    milestones: &["Fired and painted", "Packed and shipped"],
};

pub(crate) const TRAIN: Listing = Listing {
    title: "Channapatna toy train — collective order",
    description: "A pull-along wooden train of an engine and four carriages. Funded, but \
                  the wood did not season in time: the first stage was not delivered by its \
                  deadline, the order expired and backers took their money back.",
    category: "Toys",
    product: "Lacquer toy train",
    sku: "CHN-TRN-5",
    materials: &["Aale mara wood", "lac", "natural dyes"],
    milestones: &["Wood seasoned and turned", "Lacquered and shipped"],
};

pub(crate) const CALENDAR: Listing = Listing {
    title: "Madhubani wall calendar — collective order",
    description: "Twelve painted months printed on handmade paper. Cancelled by the \
                  artist while funding: the paper mill closed for the monsoon.",
    category: "Paintings",
    product: "Madhubani wall calendar",
    sku: "MDB-CAL",
    materials: &["handmade paper", "natural pigments"],
    milestones: &["Printed and shipped"],
};

/// A product an artisan lists in the shop, with the two colours its demo picture is drawn
/// in (so each product's picture is a distinct file).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Product {
    pub(crate) listing: Listing,
    pub(crate) colours: [[u8; 3]; 2],
}

pub(crate) const CUSHION: Product = Product {
    listing: Listing {
        title: "Ajrakh cushion cover, indigo and madder",
        description: "A 40 x 40 cm cushion cover, block printed on both sides with natural \
                      indigo and madder, zip closure.",
        category: "textiles",
        product: "Ajrakh cushion cover",
        sku: "AJR-CUSH-40",
        materials: &["cotton", "indigo", "madder"],
        milestones: &["Shipped"],
    },
    colours: [[31, 46, 110], [150, 32, 28]],
};

pub(crate) const SPINNING_TOP: Product = Product {
    listing: Listing {
        title: "Channapatna spinning top",
        description: "A hand-turned spinning top in ivory wood, coloured with lac and \
                      vegetable dyes; safe for children.",
        category: "toys",
        product: "Spinning top",
        sku: "CHN-TOP-S",
        materials: &["ivory wood", "lac"],
        milestones: &["Shipped"],
    },
    colours: [[230, 170, 30], [200, 40, 60]],
};

pub(crate) const TILE: Product = Product {
    listing: Listing {
        title: "Blue pottery tile, 15 cm",
        description: "A quartz-paste tile painted in cobalt and copper green, fired once at \
                      low heat; for a wall or a table.",
        category: "ceramics",
        product: "Blue pottery tile",
        sku: "BLP-TILE-15",
        materials: &["quartz paste", "cobalt oxide"],
        milestones: &["Shipped"],
    },
    colours: [[20, 80, 170], [240, 240, 230]],
};

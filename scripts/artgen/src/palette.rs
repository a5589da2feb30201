//! Base colours for every colour name of the vocabulary: coats, eyes, skins, and the colour
//! words that accessory names contain. Unknown names get a colour hashed from the name.

use crate::paint::Rgb;
use crate::rng::hash_str;

/// Coat colour by name.
pub fn coat(name: &str) -> Rgb {
    let c: [u8; 3] = match name {
        "WHITE" => [246, 244, 238],
        "PALEGREY" => [206, 208, 212],
        "SILVER" => [188, 194, 202],
        "GREY" => [142, 144, 150],
        "DARKGREY" => [96, 98, 104],
        "GHOST" => [60, 60, 68],
        "BLACK" => [40, 38, 42],
        "CREAM" => [240, 222, 186],
        "PALEGINGER" => [236, 190, 140],
        "GOLDEN" => [232, 184, 96],
        "GINGER" => [222, 136, 64],
        "DARKGINGER" => [186, 92, 44],
        "SIENNA" => [160, 84, 54],
        "LIGHTBROWN" => [196, 160, 124],
        "LILAC" => [178, 152, 154],
        "BROWN" => [136, 96, 66],
        "GOLDEN-BROWN" => [168, 116, 58],
        "DARKBROWN" => [98, 66, 48],
        "CHOCOLATE" => [84, 52, 40],
        _ => return hashed(name, 0.45, 0.7),
    };
    c.map(f32::from)
}

/// Colour of the markings (stripes, spots) drawn on a coat of colour `name`.
pub fn markings(name: &str) -> Rgb {
    let base = coat(name);
    match name {
        // Ghost tabbies show faint *lighter* markings on a near-black coat.
        "GHOST" => crate::paint::shade(base, 1.7),
        "BLACK" => [22.0, 20.0, 24.0],
        "WHITE" => [200.0, 198.0, 196.0],
        _ if crate::paint::luma(base) > 190.0 => crate::paint::shade(base, 0.76),
        _ => crate::paint::shade(base, 0.58),
    }
}

/// Iris colour by name.
pub fn eye(name: &str) -> Rgb {
    let c: [u8; 3] = match name {
        "YELLOW" => [236, 212, 60],
        "AMBER" => [232, 152, 40],
        "HAZEL" => [176, 152, 72],
        "PALEGREEN" => [176, 216, 140],
        "GREEN" => [96, 180, 72],
        "BLUE" => [88, 150, 222],
        "DARKBLUE" => [44, 84, 170],
        "GREY" => [160, 170, 176],
        "CYAN" => [80, 210, 220],
        "EMERALD" => [30, 160, 110],
        "HEATHERBLUE" => [150, 150, 214],
        "SUNLITICE" => [204, 232, 242],
        "COPPER" => [200, 100, 50],
        "SAGE" => [150, 172, 120],
        "COBALT" => [40, 70, 200],
        "PALEBLUE" => [170, 210, 240],
        "BRONZE" => [170, 112, 50],
        "SILVER" => [202, 206, 212],
        "PALEYELLOW" => [240, 230, 150],
        "GOLD" => [230, 180, 40],
        "GREENYELLOW" => [190, 220, 60],
        _ => return hashed(name, 0.6, 0.85),
    };
    c.map(f32::from)
}

/// Skin (nose, pads, inner ear) colour by name, and whether it is marbled (two-tone).
pub fn skin(name: &str) -> (Rgb, bool) {
    let c: [u8; 3] = match name {
        "BLACK" => [42, 36, 38],
        "RED" => [190, 72, 72],
        "PINK" => [238, 160, 170],
        "DARKBROWN" => [92, 58, 46],
        "BROWN" => [140, 94, 72],
        "LIGHTBROWN" => [182, 138, 112],
        "DARK" => [66, 52, 54],
        "DARKGREY" => [92, 92, 98],
        "GREY" => [142, 142, 148],
        "DARKSALMON" => [200, 112, 100],
        "SALMON" => [236, 148, 132],
        "PEACH" => [246, 192, 162],
        "DARKMARBLED" => [112, 72, 72],
        "MARBLED" => [172, 112, 112],
        "LIGHTMARBLED" => [222, 162, 162],
        "DARKBLUE" => [62, 72, 112],
        "BLUE" => [92, 112, 162],
        "LIGHTBLUE" => [142, 162, 202],
        _ => return (hashed(name, 0.4, 0.6), false),
    };
    (c.map(f32::from), name.contains("MARBLED"))
}

/// Colour words that accessory names are built from (`CRIMSONBELL`, `BLUE FEATHERS` …),
/// searched in order: longer words before the words they contain.
const WORDS: &[(&str, [u8; 3])] = &[
    ("WHITEPOINSETTIA", [240, 236, 226]),
    ("LAVENDER", [176, 146, 220]),
    ("MAGENTA", [204, 40, 160]),
    ("CRIMSON", [164, 20, 44]),
    ("RAINBOW", [230, 80, 80]),
    ("SPARROW", [150, 110, 80]),
    ("MONARCH", [236, 120, 30]),
    ("INDIGO", [72, 42, 152]),
    ("PURPLE", [142, 62, 182]),
    ("VIOLET", [162, 92, 222]),
    ("ORANGE", [242, 140, 32]),
    ("YELLOW", [242, 212, 44]),
    ("SILVER", [204, 206, 214]),
    ("GOLDEN", [224, 182, 52]),
    ("CHERRY", [192, 22, 44]),
    ("BLACK", [36, 34, 40]),
    ("WHITE", [242, 242, 240]),
    ("GREEN", [44, 152, 64]),
    ("BROWN", [132, 86, 52]),
    ("CREAM", [242, 226, 192]),
    ("PEACH", [250, 190, 150]),
    ("CYAN", [40, 202, 212]),
    ("LIME", [152, 222, 52]),
    ("PINK", [242, 142, 182]),
    ("NAVY", [32, 42, 112]),
    ("TEAL", [32, 142, 142]),
    ("MOSS", [102, 132, 62]),
    ("GRAY", [142, 142, 146]),
    ("GREY", [142, 142, 146]),
    ("GOLD", [224, 182, 52]),
    ("BLUE", [52, 92, 212]),
    ("ROSY", [232, 150, 162]),
    ("RED", [212, 42, 42]),
    ("BEE", [240, 200, 30]),
    ("JAY", [82, 122, 202]),
    // Flowers whose names carry no colour word, after the colour words ("PINK POPPY").
    ("POPPY", [214, 40, 36]),
    ("HEATHER", [196, 120, 196]),
    ("GORSE", [246, 208, 40]),
    ("FORGET", [120, 170, 236]),
    ("SNAPDRAGON", [240, 120, 150]),
    ("LILYPAD", [70, 150, 80]),
    ("LILY", [246, 244, 236]),
    ("DAISY", [246, 246, 240]),
    ("MARIGOLD", [246, 150, 30]),
    ("CLOVER", [120, 190, 80]),
];

/// The main colour of an accessory: a colour word it contains, else a hash of the name.
pub fn accessory(name: &str) -> Rgb {
    WORDS
        .iter()
        .find(|(w, _)| name.contains(w))
        .map(|(_, c)| c.map(f32::from))
        .unwrap_or_else(|| hashed(name, 0.55, 0.8))
}

/// A colour derived from a hash of `name`: hue anywhere, fixed saturation and value.
pub fn hashed(name: &str, sat: f32, val: f32) -> Rgb {
    let h = (hash_str(name) >> 40) as f32 / (1u64 << 24) as f32;
    hsv(h, sat, val)
}

/// HSV (all in `[0, 1]`) to RGB in `0..=255`.
pub fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let h6 = (h - h.floor()) * 6.0;
    let sector = h6.floor();
    let f = h6 - sector;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    let (r, g, b) = match sector as i32 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    [r * 255.0, g * 255.0, b * 255.0]
}

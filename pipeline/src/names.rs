//! The closed vocabularies of the game as enums: pelts, coat colours, eye colours, skins.
//! Open vocabularies (tortie masks, white patches, scars, accessories, tints) come from a
//! sprite folder's data and live in [`crate::vocab`].

use std::sync::LazyLock;

macro_rules! name_enum {
    ($(#[$meta:meta])* $ty:ident { $($variant:ident = $name:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty { $(#[doc = $name] $variant),+ }

        impl $ty {
            /// Every value, in the game's order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            /// Every name, in the game's order.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The value called `name` (exact, case-sensitive, as the game spells it).
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some($ty::$variant),)+ _ => None }
            }

            /// The game's spelling.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

name_enum! {
    /// A pelt (coat pattern) name as the game and CatGenerator send it.
    PeltName {
        SingleColour = "SingleColour", TwoColour = "TwoColour", Tabby = "Tabby",
        Marbled = "Marbled", Rosette = "Rosette", Smoke = "Smoke", Ticked = "Ticked",
        Speckled = "Speckled", Bengal = "Bengal", Mackerel = "Mackerel", Classic = "Classic",
        Sokoke = "Sokoke", Agouti = "Agouti", Singlestripe = "Singlestripe", Masked = "Masked",
        Tortie = "Tortie", Calico = "Calico",
    }
}

impl PeltName {
    /// The sprite-group prefix of this pelt; `None` for Tortie and Calico, which are drawn
    /// from a tortie base plus patches.
    #[must_use]
    pub const fn sprite_prefix(self) -> Option<&'static str> {
        Some(match self {
            Self::SingleColour | Self::TwoColour => "single",
            Self::Tabby => "tabby",
            Self::Marbled => "marbled",
            Self::Rosette => "rosette",
            Self::Smoke => "smoke",
            Self::Ticked => "ticked",
            Self::Speckled => "speckled",
            Self::Bengal => "bengal",
            Self::Mackerel => "mackerel",
            Self::Classic => "classic",
            Self::Sokoke => "sokoke",
            Self::Agouti => "agouti",
            Self::Singlestripe => "singlestripe",
            Self::Masked => "masked",
            Self::Tortie | Self::Calico => return None,
        })
    }

    /// Pelt names that have a sprite prefix of their own (all but Tortie and Calico).
    #[must_use]
    pub fn patterned_names() -> &'static [&'static str] {
        static NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
            PeltName::ALL
                .iter()
                .filter(|p| p.sprite_prefix().is_some())
                .map(|p| p.name())
                .collect()
        });
        &NAMES
    }
}

name_enum! {
    /// A coat colour.
    Colour {
        White = "WHITE", PaleGrey = "PALEGREY", Silver = "SILVER", Grey = "GREY",
        DarkGrey = "DARKGREY", Ghost = "GHOST", Black = "BLACK", Cream = "CREAM",
        PaleGinger = "PALEGINGER", Golden = "GOLDEN", Ginger = "GINGER",
        DarkGinger = "DARKGINGER", Sienna = "SIENNA", LightBrown = "LIGHTBROWN",
        Lilac = "LILAC", Brown = "BROWN", GoldenBrown = "GOLDEN-BROWN",
        DarkBrown = "DARKBROWN", Chocolate = "CHOCOLATE",
    }
}

name_enum! {
    /// An eye colour.
    EyeColour {
        Yellow = "YELLOW", Amber = "AMBER", Hazel = "HAZEL", PaleGreen = "PALEGREEN",
        Green = "GREEN", Blue = "BLUE", DarkBlue = "DARKBLUE", Grey = "GREY", Cyan = "CYAN",
        Emerald = "EMERALD", HeatherBlue = "HEATHERBLUE", SunlitIce = "SUNLITICE",
        Copper = "COPPER", Sage = "SAGE", Cobalt = "COBALT", PaleBlue = "PALEBLUE",
        Bronze = "BRONZE", Silver = "SILVER", PaleYellow = "PALEYELLOW", Gold = "GOLD",
        GreenYellow = "GREENYELLOW",
    }
}

name_enum! {
    /// A skin (nose and paw pad) colour.
    SkinColour {
        Black = "BLACK", Red = "RED", Pink = "PINK", DarkBrown = "DARKBROWN", Brown = "BROWN",
        LightBrown = "LIGHTBROWN", Dark = "DARK", DarkGrey = "DARKGREY", Grey = "GREY",
        DarkSalmon = "DARKSALMON", Salmon = "SALMON", Peach = "PEACH",
        DarkMarbled = "DARKMARBLED", Marbled = "MARBLED", LightMarbled = "LIGHTMARBLED",
        DarkBlue = "DARKBLUE", Blue = "BLUE", LightBlue = "LIGHTBLUE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_have_the_sizes_the_spec_lists() {
        assert_eq!(PeltName::ALL.len(), 17);
        assert_eq!(Colour::ALL.len(), 19);
        assert_eq!(EyeColour::ALL.len(), 21);
        assert_eq!(SkinColour::ALL.len(), 18);
    }

    #[test]
    fn names_round_trip() {
        for c in Colour::ALL {
            assert_eq!(Colour::from_name(c.name()), Some(*c));
        }
        assert_eq!(PeltName::from_name("tabby"), None);
        assert_eq!(PeltName::TwoColour.sprite_prefix(), Some("single"));
    }
}

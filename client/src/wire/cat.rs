//! The schema of CatGenerator's parameter object. The server reads it key by key
//! (`pipeline::CatParams::from_map`, with CatGenerator's aliases), so it travels as a JSON
//! object; its properties and their allowed names come from the loaded atlases and are added
//! to the document at start (the server's `http::openapi`).

/// CatGenerator's parameter object as it travels (`#/components/schemas/CatParams`); the
/// server validates it with `pipeline::CatParams::from_map`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CatParamsJson(pub serde_json::Value);

#[cfg(feature = "schema")]
impl utoipa::PartialSchema for CatParamsJson {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Type;
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "CatGenerator parameters. Any colour name of /palettes works as colour, \
                 tortieColour or tortie[].colour. CatGenerator's aliases are read too: \
                 eyeColor, eyeColor2, skinColor, sprite_number, darkMode; booleans may be \
                 \"true\"/\"false\"; tortie layers are {pattern, colour, mask}, null slots \
                 skipped; scars/scarSlots/scar and accessories/accessory are equivalent.",
            ))
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .into()
    }
}

#[cfg(feature = "schema")]
impl utoipa::ToSchema for CatParamsJson {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("CatParams")
    }
}

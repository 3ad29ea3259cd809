//! The macro's input: `"folder"`, a string literal. Everything else about the folder lives in
//! its `migrate.toml`, which the checker reads, so that the build and the `migrate` command
//! reach the same verdict.

use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

/// `embed_migrations!("migrations")`
pub(crate) struct Input {
    /// The folder, relative to `CARGO_MANIFEST_DIR`.
    pub folder: LitStr,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let folder: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the migration folder as a string literal, relative to Cargo.toml: \
                 `embed_migrations!(\"migrations\")`",
            )
        })?;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let option: syn::Ident = input.parse()?;
            let folder = folder.value();
            let message = if option == "allow" {
                format!(
                    "the macro takes no `allow` option: allow rules in `{folder}/migrate.toml`, \
                     where the `migrate` command reads them too:\n\n[[allow]]\nrules = \
                     [\"rule-name\"]\nreason = \"why it does not apply here\""
                )
            } else {
                format!(
                    "unknown option `{option}`: the macro takes only the folder; settings belong \
                     in `{folder}/migrate.toml`"
                )
            };
            return Err(syn::Error::new(option.span(), message));
        }
        if !input.is_empty() {
            return Err(
                input.error("expected only the folder: `embed_migrations!(\"migrations\")`")
            );
        }
        Ok(Input { folder })
    }
}

//! The macro's input: `"folder"` and optionally `allow = ["rule", ...]`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{bracketed, LitStr, Token};

/// `embed_migrations!("migrations", allow = ["rule", ...])`
pub(crate) struct Input {
    /// The folder, relative to `CARGO_MANIFEST_DIR`.
    pub folder: LitStr,
    /// The checker options, with the rule names already validated.
    pub options: migrate_lint::Options,
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
        let mut options = migrate_lint::Options::default();
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key != "allow" {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown option `{key}`; the only option is `allow = [\"rule\", ...]`"),
                ));
            }
            input.parse::<Token![=]>()?;
            let content;
            bracketed!(content in input);
            let rules = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
            for rule in rules {
                options = options
                    .allow(&rule.value())
                    .map_err(|e| syn::Error::new(rule.span(), e))?;
            }
        }
        if !input.is_empty() {
            return Err(input.error("expected `,` followed by `allow = [...]`"));
        }
        Ok(Input { folder, options })
    }
}

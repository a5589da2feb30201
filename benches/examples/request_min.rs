//! Minimum-of-batches timing of what `GET /render.png` does on the async thread before a
//! cat reaches the queue: the query decoded into parameters, the parameters checked, the
//! cat resolved against the atlases and planned, and its canonical form written (the cache
//! key's input). Two queries: the load generator's `varied` cat (four parameters) and a
//! cat with most layers set. `cargo run --release -p benches --example request_min`.

use std::hint::black_box;

use benches::min_ns;
use pipeline::{AtlasPaths, AtlasRepository, CatParams, CatSpec, Plan};

const QUERIES: [(&str, &str); 2] = [
    (
        "varied",
        "peltName=Mackerel&colour=GOLDEN-BROWN&spriteNumber=13&shading=false",
    ),
    (
        "full",
        "peltName=Tortie&tortieBase=Tabby&tortiePattern=Speckled&tortieColour=GINGER\
         &tortieMask=ONE&colour=BLACK&spriteNumber=5&whitePatches=LITTLE&points=COLOURPOINT\
         &eyeColour=GREEN&eyeColour2=BLUE&skinColour=PINK&scars=ONE,TWO&accessories=\
         &tint=pink&shading=true&reverse=true",
    ),
];

fn main() {
    let repo = AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled atlases");
    for (name, query) in QUERIES {
        // A query the bundled art cannot draw would time the error path: check first.
        let (obj, _) = pipeline::query::query_string_to_params(query).expect("valid query");
        let params = CatParams::from_map(&obj).expect("valid params");
        CatSpec::resolve(&params, &repo).expect("resolves");
        let ns = min_ns(|| {
            let (obj, _) =
                pipeline::query::query_string_to_params(black_box(query)).expect("valid");
            let params = CatParams::from_map(&obj).expect("valid");
            let spec = CatSpec::resolve(&params, &repo).expect("resolves");
            let plan = Plan::for_cat(&spec);
            black_box((plan, params.canonical_json().len()));
        });
        println!(
            "{name}: query → plan + canonical form {ns:.0} ns ({} bytes of canonical form)",
            params.canonical_json().len()
        );
    }
}

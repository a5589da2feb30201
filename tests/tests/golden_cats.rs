//! The Rust CPU backend against the pygame oracle's golden cats: all four channels of every
//! pixel, zero tolerance. On failure, `target/golden-failures/cat_NNN.png` shows
//! expected | diff | actual.

use e2e::{GoldenSheet, bundled_repo, render_cpu, workspace_root};
use pipeline::compare::{compare_rgba, write_diff_strip};

#[test]
fn cpu_backend_equals_pygame_on_every_golden_cat() {
    let golden = GoldenSheet::load().expect("golden files load");
    let repo = bundled_repo();
    assert!(
        golden.params.len() >= 300,
        "only {} golden cats",
        golden.params.len()
    );
    let out_dir = workspace_root().join("target/golden-failures");
    let mut failures = Vec::new();
    for (i, params) in golden.params.iter().enumerate() {
        let actual = match render_cpu(repo, params) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("cat {i}: does not render: {e}"));
                continue;
            }
        };
        let expected = golden.cell(i);
        if let Some(m) = compare_rgba(50, &expected, &actual[..]) {
            let path = out_dir.join(format!("cat_{i:03}.png"));
            let _ = write_diff_strip(&path, 50, &expected, &actual[..]);
            failures.push(format!(
                "cat {i}: {m} ({})  params: {params}",
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cats differ:\n{}",
        failures.len(),
        golden.params.len(),
        failures.join("\n")
    );
}

/// The golden comparison must be able to fail: change one pixel of one golden cell and the
/// same comparison has to report it.
#[test]
fn golden_comparison_fails_when_one_pixel_of_a_golden_cell_changes() {
    let golden = GoldenSheet::load().expect("golden files load");
    let repo = bundled_repo();
    let actual = render_cpu(repo, &golden.params[0]).expect("renders");
    let mut expected = golden.cell(0);
    assert_eq!(compare_rgba(50, &expected, &actual[..]), None);
    expected[25 * 200 + 25 * 4 + 3] ^= 0x10;
    assert!(compare_rgba(50, &expected, &actual[..]).is_some());
}

//! Postcode → region lookup. The German table is `crates/core/data/postcodes-de.csv`.

use std::collections::BTreeMap;

use crate::ids::RegionId;

/// The shipped German table: postcode prefixes (two to five digits) to Länder. Its header
/// comment names the source, the licence and how prefixes that span two Länder were resolved.
pub const GERMANY_CSV: &str = include_str!("../../data/postcodes-de.csv");

/// Maps postcode prefixes to regions. Longest prefix wins.
#[derive(Clone, Debug, Default)]
pub struct PostcodeMap {
    by_prefix: BTreeMap<String, RegionId>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("{0:?} is not a postcode: German postcodes have five digits, e.g. 80331")]
    Syntax(String),
    #[error("postcode {0:?} is not assigned to any region")]
    Unknown(String),
}

/// A problem in a postcode table, with its 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct PostcodeTableError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl PostcodeMap {
    /// Builds a map from `(prefix, region)` rows.
    pub fn from_rows(rows: impl IntoIterator<Item = (String, RegionId)>) -> Self {
        PostcodeMap {
            by_prefix: rows.into_iter().collect(),
        }
    }

    /// Parses a table of `prefix,region` rows. Lines starting with `#` and blank lines are
    /// ignored, as is a first row `prefix,region`. A prefix has one to five digits; the region
    /// is a region id such as `DE-BY`. Duplicate prefixes are errors. `file` names the table in
    /// error messages.
    pub fn from_csv(file: &str, text: &str) -> Result<Self, Vec<PostcodeTableError>> {
        let mut rows: BTreeMap<String, RegionId> = BTreeMap::new();
        let mut errors = Vec::new();
        let mut seen_data = false;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut err = |message: String| {
                errors.push(PostcodeTableError {
                    file: file.to_owned(),
                    line: i + 1,
                    message,
                })
            };
            let first = !seen_data;
            seen_data = true;
            if first && line.eq_ignore_ascii_case("prefix,region") {
                continue;
            }
            let cols: Vec<&str> = line.split(',').map(str::trim).collect();
            let [prefix, region] = cols.as_slice() else {
                err(format!(
                    "expected 2 columns (prefix,region), found {}",
                    cols.len()
                ));
                continue;
            };
            if prefix.is_empty() || prefix.len() > 5 || !prefix.bytes().all(|b| b.is_ascii_digit())
            {
                err(format!(
                    "{prefix:?} is not a postcode prefix (one to five digits, e.g. 803)"
                ));
                continue;
            }
            let region = match RegionId::parse(region) {
                Ok(r) => r,
                Err(e) => {
                    err(e.to_string());
                    continue;
                }
            };
            if let Some(previous) = rows.get(*prefix) {
                err(format!(
                    "duplicate prefix {prefix} (already mapped to {previous})"
                ));
                continue;
            }
            rows.insert((*prefix).to_owned(), region);
        }
        if errors.is_empty() {
            Ok(PostcodeMap { by_prefix: rows })
        } else {
            Err(errors)
        }
    }

    /// The shipped German table ([`GERMANY_CSV`]): every postcode to its Land (`DE-BY`, …).
    /// The table is tested, so parsing it cannot fail at run time.
    pub fn germany() -> Self {
        match Self::from_csv("postcodes-de.csv", GERMANY_CSV) {
            Ok(map) => map,
            Err(errors) => panic!("shipped postcode table is invalid: {errors:?}"),
        }
    }

    pub fn lookup(&self, postcode: &str) -> Result<RegionId, PostcodeError> {
        let pc = postcode.trim();
        if pc.len() != 5 || !pc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PostcodeError::Syntax(postcode.to_owned()));
        }
        for len in (1..=5).rev() {
            if let Some(r) = self.by_prefix.get(&pc[..len]) {
                return Ok(r.clone());
            }
        }
        Err(PostcodeError::Unknown(postcode.to_owned()))
    }

    /// Every region that some prefix maps to, without duplicates, in id order.
    pub fn regions(&self) -> Vec<RegionId> {
        let mut out: Vec<RegionId> = self.by_prefix.values().cloned().collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn len(&self) -> usize {
        self.by_prefix.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(s: &str) -> RegionId {
        RegionId::parse(s).unwrap()
    }

    #[test]
    fn longest_prefix_wins() {
        let map = PostcodeMap::from_rows([
            ("19".to_owned(), region("DE-MV")),
            ("193".to_owned(), region("DE-MV")),
            ("1933".to_owned(), region("DE-BB")),
            ("19348".to_owned(), region("DE-BB")),
            ("19357".to_owned(), region("DE-MV")),
        ]);
        assert_eq!(map.lookup("19300").unwrap(), region("DE-MV"));
        assert_eq!(map.lookup("19336").unwrap(), region("DE-BB"));
        assert_eq!(map.lookup("19357").unwrap(), region("DE-MV"));
        assert_eq!(map.lookup("19999").unwrap(), region("DE-MV"));
        assert_eq!(
            map.lookup("20095"),
            Err(PostcodeError::Unknown("20095".into()))
        );
    }

    #[test]
    fn rejects_malformed_postcodes() {
        let map = PostcodeMap::germany();
        for bad in ["", "8033", "803311", "8033a", "D-80331", "80 331"] {
            assert_eq!(
                map.lookup(bad),
                Err(PostcodeError::Syntax(bad.into())),
                "{bad:?}"
            );
        }
        // Surrounding whitespace is tolerated.
        assert_eq!(map.lookup(" 80331 ").unwrap(), region("DE-BY"));
    }

    #[test]
    fn parses_csv_with_comments_and_header() {
        let text = "# source: test\n\nprefix,region\n803,DE-BY\n  101 , DE-BE \n# trailing\n";
        let map = PostcodeMap::from_csv("t.csv", text).unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map.lookup("80331").unwrap(), region("DE-BY"));
        assert_eq!(map.lookup("10115").unwrap(), region("DE-BE"));
        assert_eq!(map.regions(), vec![region("DE-BE"), region("DE-BY")]);
    }

    #[test]
    fn csv_errors_name_every_bad_line() {
        let text = "prefix,region\n803,DE-BY\n8a3,DE-BY\n101\n123456,DE-BE\n104,DE BE\n803,DE-HE\n";
        let errs = PostcodeMap::from_csv("t.csv", text).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7], "{errs:?}");
        assert!(
            errs[0].to_string().starts_with("t.csv:3: \"8a3\""),
            "{}",
            errs[0]
        );
        assert!(
            errs[1].message.contains("expected 2 columns"),
            "{}",
            errs[1]
        );
        assert!(
            errs[4].message.contains("duplicate prefix 803"),
            "{}",
            errs[4]
        );
    }

    #[test]
    fn header_only_allowed_as_first_row() {
        let errs = PostcodeMap::from_csv("t.csv", "803,DE-BY\nprefix,region\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 2);
    }

    #[test]
    fn german_table_parses_and_names_its_source() {
        let map = PostcodeMap::germany();
        assert!(map.len() > 500, "{} rows", map.len());
        let header: Vec<&str> = GERMANY_CSV
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect();
        let header = header.join("\n");
        assert!(header.contains("Source:"), "{header}");
        assert!(header.contains("Licence:"), "{header}");
        assert_eq!(map.regions().len(), 16);
    }

    #[test]
    fn german_table_resolves_capitals() {
        let map = PostcodeMap::germany();
        let capitals = [
            ("70173", "DE-BW"), // Stuttgart
            ("80331", "DE-BY"), // München
            ("10115", "DE-BE"), // Berlin
            ("14467", "DE-BB"), // Potsdam
            ("28195", "DE-HB"), // Bremen
            ("20095", "DE-HH"), // Hamburg
            ("65183", "DE-HE"), // Wiesbaden
            ("19053", "DE-MV"), // Schwerin
            ("30159", "DE-NI"), // Hannover
            ("40213", "DE-NW"), // Düsseldorf
            ("55116", "DE-RP"), // Mainz
            ("66111", "DE-SL"), // Saarbrücken
            ("01067", "DE-SN"), // Dresden
            ("39104", "DE-ST"), // Magdeburg
            ("24103", "DE-SH"), // Kiel
            ("99084", "DE-TH"), // Erfurt
        ];
        for (pc, want) in capitals {
            assert_eq!(map.lookup(pc).unwrap(), region(want), "{pc}");
        }
    }

    #[test]
    fn german_table_handles_prefixes_that_cross_borders() {
        let map = PostcodeMap::germany();
        let cases = [
            // Prefix 193 is mostly Mecklenburg-Vorpommern; Prignitz codes are Brandenburg.
            ("19300", "DE-MV"), // Grabow
            ("19322", "DE-BB"), // Wittenberge
            ("19348", "DE-BB"), // Perleberg
            // Prefix 215 is mostly Schleswig-Holstein; 21522 (Hohnstorf) is Niedersachsen.
            ("21502", "DE-SH"), // Geesthacht
            ("21522", "DE-NI"),
            // Prefix 274: Cuxhaven area (Niedersachsen) and the island of Neuwerk (Hamburg).
            ("27472", "DE-NI"), // Cuxhaven
            ("27499", "DE-HH"), // Neuwerk
            // Prefix 881: Lindau (Bayern) inside the mostly Baden-Württemberg 88xxx range.
            ("88131", "DE-BY"),
            // Prefix 372: Witzenhausen (Hessen) next to Göttingen (Niedersachsen, 370-371).
            ("37213", "DE-HE"),
            ("37073", "DE-NI"),
            // Prefix 552: Mainz-Kostheim/Kastel belong to Wiesbaden (Hessen).
            ("55246", "DE-HE"),
            ("55252", "DE-HE"),
            // Prefix 125: Schönefeld (Brandenburg) beside Berlin-Treptow/Köpenick.
            ("12529", "DE-BB"),
            ("12555", "DE-BE"),
            // Codes the source assigns to two Länder resolve to the one with more municipalities.
            ("14715", "DE-BB"),
            ("22113", "DE-HH"),
            ("69434", "DE-BW"),
        ];
        for (pc, want) in cases {
            assert_eq!(map.lookup(pc).unwrap(), region(want), "{pc}");
        }
    }

    #[test]
    fn german_table_leaves_unused_leitregionen_unknown() {
        let map = PostcodeMap::germany();
        for pc in ["00000", "05123", "11011", "43123", "62123"] {
            assert_eq!(
                map.lookup(pc),
                Err(PostcodeError::Unknown(pc.into())),
                "{pc}"
            );
        }
        // A PO-box code with no delivery codes in its three-digit range falls back to the
        // Leitregion's Land.
        assert_eq!(map.lookup("10001").unwrap(), region("DE-BE"));
    }
}

//! The default topology for Germany: the 16 Länder, major operators and online services, and a
//! postcode → Land table.

use super::postcode::PostcodeMap;
use super::Topology;

/// The shipped topology text (`crates/core/data/topology-de.toml`).
pub const TOPOLOGY_TOML: &str = include_str!("../../data/topology-de.toml");

/// The default German topology, parsed. The file is tested, so this cannot fail at run time.
pub fn topology() -> Topology {
    Topology::from_toml("topology-de.toml", TOPOLOGY_TOML).expect("shipped topology is valid")
}

/// Postcode → Land for Germany (`crates/core/data/postcodes-de.csv`). Its region ids are those
/// of [`topology`].
pub fn postcodes() -> PostcodeMap {
    PostcodeMap::germany()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RegionId;
    use crate::topology::{ComponentRef, ProviderKind};

    const LAENDER: [&str; 16] = [
        "DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW",
        "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH",
    ];
    const TELECOMS: [&str; 4] = ["telekom-de", "vodafone-de", "o2-de", "1und1-de"];

    fn parsed() -> Topology {
        match Topology::from_toml("topology-de.toml", TOPOLOGY_TOML) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    fn cref(provider: &str, component: &str) -> ComponentRef {
        ComponentRef {
            provider: crate::ProviderId::parse(provider).unwrap(),
            component: crate::ComponentId::parse(component).unwrap(),
        }
    }

    #[test]
    fn shipped_topology_parses() {
        let t = parsed();
        assert_eq!(topology().services.len(), t.services.len());
    }

    #[test]
    fn has_the_sixteen_laender() {
        let t = parsed();
        assert_eq!(t.regions.len(), 16);
        for id in LAENDER {
            let r = t
                .region(id)
                .unwrap_or_else(|| panic!("missing region {id}"));
            assert!(!r.name.is_empty());
            assert!(r.population.unwrap_or(0) > 500_000, "{id}");
        }
        assert_eq!(t.region("DE-BY").unwrap().name, "Bayern");
        assert_eq!(t.region("DE-TH").unwrap().name, "Thüringen");
        let total: u64 = t.regions.iter().filter_map(|r| r.population).sum();
        assert!((80_000_000..90_000_000).contains(&total), "{total}");
        // The largest Land by inhabitants is Nordrhein-Westfalen, the smallest Bremen.
        let weights = t.region_weights();
        let max = weights.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
        let min = weights.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
        assert_eq!(max.0.as_str(), "DE-NW");
        assert_eq!(min.0.as_str(), "DE-HB");
    }

    #[test]
    fn has_the_providers() {
        let t = parsed();
        for id in TELECOMS {
            let p = t.provider(id).unwrap_or_else(|| panic!("missing {id}"));
            assert_eq!(p.kind, ProviderKind::Telecom, "{id}");
            assert_eq!(p.country, "DE", "{id}");
            assert!(p.customers_millions.unwrap_or(0.0) > 1.0, "{id}");
        }
        let online: Vec<_> = t
            .providers
            .iter()
            .filter(|p| p.kind == ProviderKind::OnlineService)
            .collect();
        assert!(online.len() >= 3, "{online:?}");
        let wa = t.provider("whatsapp").unwrap();
        assert_eq!(wa.kind, ProviderKind::OnlineService);
        assert_eq!(wa.country, "US");
    }

    #[test]
    fn telecoms_offer_the_standard_services() {
        let t = parsed();
        let standard = [
            "mobile-voice",
            "mobile-data",
            "sms",
            "dsl",
            "fiber",
            "landline",
            "tv",
            "customer-service",
            "self-care",
        ];
        for p in TELECOMS {
            for s in standard {
                assert!(t.service(p, s).is_some(), "{p} lacks {s}");
            }
            let mobile = t.service(p, "mobile-data").unwrap();
            assert_eq!(mobile.technologies, ["5g", "lte", "umts", "gsm"], "{p}");
            assert_eq!(t.service(p, "dsl").unwrap().technologies, ["dsl"], "{p}");
            assert_eq!(
                t.service(p, "fiber").unwrap().technologies,
                ["fiber"],
                "{p}"
            );
            // Cable internet is Vodafone's alone.
            assert_eq!(t.service(p, "cable").is_some(), p == "vodafone-de", "{p}");
        }
        assert_eq!(
            t.service("vodafone-de", "cable").unwrap().technologies,
            ["cable"]
        );
        assert!(t.service("whatsapp", "messaging").is_some());
        assert!(t.service("whatsapp", "calls").is_some());
    }

    #[test]
    fn every_service_has_a_dependency_closure() {
        let t = parsed();
        for s in &t.services {
            let closure = t.service_closure(s);
            assert!(!closure.is_empty(), "{}:{}", s.provider, s.id);
            for c in &closure {
                assert!(t.component(c).is_some(), "{c}");
            }
        }
    }

    #[test]
    fn radio_components_carry_their_technology() {
        let t = parsed();
        for p in TELECOMS {
            for tech in ["5g", "lte", "umts", "gsm"] {
                let c = t
                    .component(&cref(p, &format!("ran-{tech}")))
                    .unwrap_or_else(|| panic!("{p} lacks ran-{tech}"));
                assert_eq!(c.technology.as_deref(), Some(tech));
                assert!(t.closure(&c.depends_on).contains(&cref(p, "mobile-core")));
            }
            // Mobile internet needs every radio network, the core and DNS.
            let closure = t.service_closure(t.service(p, "mobile-data").unwrap());
            for c in ["ran-lte", "ran-gsm", "mobile-core", "dns", "ip-backbone"] {
                assert!(closure.contains(&cref(p, c)), "{p}: {c}");
            }
        }
    }

    #[test]
    fn o2_crm_is_apart_from_the_network() {
        // The May 2017 week: the DSL customer-management system (in Spain) was shut down while
        // the LTE network failed for other reasons. The topology must not link the two.
        let t = parsed();
        let crm = t.component(&cref("o2-de", "crm-dsl")).unwrap();
        assert!(crm.name.contains("Spain"), "{}", crm.name);
        let crm_closure = t.closure(&[cref("o2-de", "crm-dsl")]);
        assert!(!crm_closure.contains(&cref("o2-de", "mobile-core")));
        assert!(!crm_closure.contains(&cref("o2-de", "ip-backbone")));
        let data = t.service_closure(t.service("o2-de", "mobile-data").unwrap());
        assert!(!data.contains(&cref("o2-de", "crm-dsl")));

        let hotline = t.service_closure(t.service("o2-de", "customer-service").unwrap());
        for c in ["hotline-telephony", "crm-dsl", "crm-mobile"] {
            assert!(hotline.contains(&cref("o2-de", c)), "{c}");
        }
        assert!(!hotline.contains(&cref("o2-de", "mobile-core")));
        let self_care = t.service_closure(t.service("o2-de", "self-care").unwrap());
        for c in ["self-care-portal", "crm-dsl", "dns"] {
            assert!(self_care.contains(&cref("o2-de", c)), "{c}");
        }
        // DSL itself kept working: it does not need the CRM.
        let dsl = t.service_closure(t.service("o2-de", "dsl").unwrap());
        assert!(!dsl.contains(&cref("o2-de", "crm-dsl")));
    }

    #[test]
    fn whatsapp_services_use_its_backend() {
        let t = parsed();
        for s in ["messaging", "calls"] {
            let closure = t.service_closure(t.service("whatsapp", s).unwrap());
            assert!(
                closure.contains(&cref("whatsapp", "messaging-backend")),
                "{s}"
            );
            assert!(closure.contains(&cref("whatsapp", "edge")), "{s}");
        }
    }

    #[test]
    fn postcodes_resolve_to_laender() {
        let map = postcodes();
        let samples = [
            ("80331", "DE-BY"),
            ("10115", "DE-BE"),
            ("20095", "DE-HH"),
            ("01067", "DE-SN"),
            ("50667", "DE-NW"),
            ("70173", "DE-BW"),
            ("99084", "DE-TH"),
            ("24103", "DE-SH"),
            ("28195", "DE-HB"),
            ("39104", "DE-ST"),
            ("14467", "DE-BB"),
            ("19053", "DE-MV"),
            ("30159", "DE-NI"),
            ("55116", "DE-RP"),
            ("66111", "DE-SL"),
            ("65183", "DE-HE"),
        ];
        for (pc, want) in samples {
            assert_eq!(map.lookup(pc).unwrap().as_str(), want, "{pc}");
        }
    }

    #[test]
    fn postcode_regions_are_exactly_the_topology_regions() {
        let t = parsed();
        let mut from_topology: Vec<RegionId> = t.regions.iter().map(|r| r.id.clone()).collect();
        from_topology.sort();
        assert_eq!(postcodes().regions(), from_topology);
    }
}

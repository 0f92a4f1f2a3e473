//! The local customer directory: a replica of the customer-management system's customer
//! numbers, postcodes and products, refreshed by the operator (`radar customers import`), so
//! that an agent can look a caller up by customer number while that system is down. It is
//! never a live dependency.

use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::topology::postcode::PostcodeMap;
use crate::topology::Topology;

/// One customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    /// As the customer-management system writes it (1 to 64 visible ASCII characters).
    pub number: String,
    pub provider: ProviderId,
    pub postcode: String,
    /// The postcode's region.
    pub region: RegionId,
    /// The provider's services the customer has.
    pub products: Vec<ServiceId>,
}

/// Checks one directory row: the number, the postcode (known to the postcode table) and the
/// products (services of `provider`, separated by `;`, `,` or spaces).
pub fn parse_row(
    provider: &ProviderId,
    number: &str,
    postcode: &str,
    products: &str,
    topology: &Topology,
    postcodes: &PostcodeMap,
) -> Result<Customer, String> {
    let number = number.trim();
    if number.is_empty() || number.len() > 64 || !number.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "customer number {:?}: use 1 to 64 visible ASCII characters",
            number.chars().take(80).collect::<String>()
        ));
    }
    let region = postcodes
        .lookup(postcode)
        .map_err(|e| format!("postcode: {e}"))?;
    let mut list = Vec::new();
    for p in products
        .split([';', ',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let s = topology.service(provider.as_str(), p).ok_or_else(|| {
            let known: Vec<&str> = topology
                .services_of(provider.as_str())
                .map(|s| s.id.as_str())
                .collect();
            format!(
                "product {p:?} is not a service of {provider}; known: {}",
                known.join(", ")
            )
        })?;
        if !list.contains(&s.id) {
            list.push(s.id.clone());
        }
    }
    Ok(Customer {
        number: number.to_owned(),
        provider: provider.clone(),
        postcode: postcode.trim().to_owned(),
        region,
        products: list,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::germany;

    #[test]
    fn rows_are_checked_against_the_topology_and_postcodes() {
        let (t, pc) = (germany::topology(), germany::postcodes());
        let o2 = ProviderId::parse("o2-de").unwrap();
        let c = parse_row(&o2, " 4711 ", "80331", "mobile-data; mobile-data", &t, &pc).unwrap();
        assert_eq!(c.number, "4711");
        assert_eq!(c.region.as_str(), "DE-BY");
        assert_eq!(c.products.len(), 1);
        assert!(parse_row(&o2, "4711", "8033", "", &t, &pc)
            .unwrap_err()
            .starts_with("postcode"));
        assert!(parse_row(&o2, "4711", "80331", "teleportation", &t, &pc)
            .unwrap_err()
            .contains("not a service of o2-de"));
        assert!(parse_row(&o2, "", "80331", "", &t, &pc).is_err());
    }
}

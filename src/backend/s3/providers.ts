/**
 * Offsite providers offered by name in the setup, with the service address and the regions of each. The one place
 * these addresses live (the screens ask the engine for them). Sources, checked when this list was written:
 *   - Amazon S3: the SDK resolves the address from the region; São Paulo is sa-east-1.
 *   - Backblaze B2: the S3-compatible address is https://s3.<region>.backblazeb2.com; no region in Brazil.
 *   - Wasabi: https://s3.<region>.wasabisys.com (docs.wasabi.com, "Service URLs for Wasabi's Storage Regions");
 *     no region in South America, so none in Brazil.
 *   - Magalu Cloud Object Storage: https://br-se1.magaluobjects.com (Sudeste, São Paulo) and
 *     https://br-ne1.magaluobjects.com (Nordeste, Fortaleza); region names br-se1 and br-ne1 (see residency.ts).
 * A region outside Brazil still needs the clinic's explicit authorisation (residency.ts); the list never bypasses it.
 */
import type { OffsiteProvider, OffsiteRegion } from '../../shared/index.js';
import { isBrazilianRegion } from './residency.js';

function region(name: string, city: string, country: string, endpoint: string | null): OffsiteRegion {
  return { region: name, city, country, endpoint, inBrazil: isBrazilianRegion(name) };
}

const b2 = (name: string, city: string, country: string): OffsiteRegion => region(name, city, country, `https://s3.${name}.backblazeb2.com`);
const wasabi = (name: string, city: string, country: string): OffsiteRegion => region(name, city, country, `https://s3.${name}.wasabisys.com`);

export const OFFSITE_PROVIDERS: readonly OffsiteProvider[] = [
  {
    id: 'aws',
    name: 'Amazon S3',
    defaultRegion: 'sa-east-1',
    regions: [
      region('sa-east-1', 'São Paulo', 'BR', null),
      region('us-east-1', 'N. Virginia', 'US', null),
      region('us-east-2', 'Ohio', 'US', null),
      region('us-west-2', 'Oregon', 'US', null),
      region('eu-west-1', 'Dublin', 'IE', null),
      region('eu-central-1', 'Frankfurt', 'DE', null),
    ],
  },
  {
    id: 'magalu',
    name: 'Magalu Cloud',
    defaultRegion: 'br-se1',
    regions: [region('br-se1', 'São Paulo (Sudeste)', 'BR', 'https://br-se1.magaluobjects.com'), region('br-ne1', 'Fortaleza (Nordeste)', 'BR', 'https://br-ne1.magaluobjects.com')],
  },
  {
    id: 'b2',
    name: 'Backblaze B2',
    defaultRegion: null,
    regions: [b2('us-west-002', 'Sacramento', 'US'), b2('us-west-004', 'Phoenix', 'US'), b2('us-east-005', 'Reston', 'US'), b2('eu-central-003', 'Amsterdam', 'NL')],
  },
  {
    id: 'wasabi',
    name: 'Wasabi',
    defaultRegion: null,
    regions: [
      wasabi('us-east-1', 'N. Virginia', 'US'),
      wasabi('us-central-1', 'Texas', 'US'),
      wasabi('us-west-1', 'Oregon', 'US'),
      wasabi('ca-central-1', 'Toronto', 'CA'),
      wasabi('eu-central-1', 'Amsterdam', 'NL'),
      wasabi('eu-central-2', 'Frankfurt', 'DE'),
      wasabi('eu-west-2', 'Paris', 'FR'),
    ],
  },
  { id: 'other', name: '', defaultRegion: null, regions: [] },
];

/** The region catalogue used to render `region` objects as DigitalOcean does. */
const REGION_NAMES: Record<string, string> = {
  nyc1: "New York 1",
  nyc2: "New York 2",
  nyc3: "New York 3",
  sfo2: "San Francisco 2",
  sfo3: "San Francisco 3",
  ams3: "Amsterdam 3",
  sgp1: "Singapore 1",
  lon1: "London 1",
  fra1: "Frankfurt 1",
  tor1: "Toronto 1",
  blr1: "Bangalore 1",
  syd1: "Sydney 1",
  atl1: "Atlanta 1",
};

const SIZES = ["s-1vcpu-512mb-10gb", "s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb"];

export interface RegionJson {
  name: string;
  slug: string;
  features: string[];
  available: boolean;
  sizes: string[];
}

export function regionJson(slug: string): RegionJson {
  return {
    name: REGION_NAMES[slug] ?? slug.toUpperCase(),
    slug,
    features: ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"],
    available: true,
    sizes: [...SIZES],
  };
}

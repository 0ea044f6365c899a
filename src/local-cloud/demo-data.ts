// The demo's databases: a shop's `orders` (an RDS instance) and `billing` (an
// Aurora cluster), both protected by the demo config's `backup: daily` tag,
// plus `analytics-scratch`, which is not protected and so is never backed up.
// Data is generated in SQL, deterministically from the seed time, with a few
// thousand rows per table, indexes and timestamps; each simulated day adds the
// rows a business would write that day, so backups differ and freshness (RPO)
// can be measured.
import type { PGlite } from '@electric-sql/pglite';
import type { LocalCloud } from './cloud.ts';

export interface DemoDatabase {
  readonly id: string;
  readonly kind: 'instance' | 'cluster';
  readonly engine: 'postgres' | 'aurora-postgresql';
  readonly tags: Record<string, string>;
  readonly multiAz: boolean;
  readonly schema: (seededAt: string) => string;
  readonly dailyActivity: (from: string, to: string, day: number) => string;
}

const literal = (time: string) => `'${new Date(time).toISOString()}'::timestamptz`;

const ordersSchema = (seededAt: string) => `
create table customers (
  id bigint primary key,
  email text not null unique,
  country char(2) not null,
  created_at timestamptz not null
);
create table products (
  id int primary key,
  sku text not null unique,
  name text not null,
  price_cents int not null check (price_cents > 0)
);
create table orders (
  id bigserial primary key,
  customer_id bigint not null references customers (id),
  status text not null,
  total_cents bigint not null default 0,
  created_at timestamptz not null
);
create index orders_customer_idx on orders (customer_id);
create index orders_created_at_idx on orders (created_at);
create table order_lines (
  order_id bigint not null references orders (id),
  line_no int not null,
  product_id int not null references products (id),
  quantity int not null check (quantity > 0),
  price_cents int not null,
  primary key (order_id, line_no)
);
create index order_lines_product_idx on order_lines (product_id);

insert into customers
select g, 'customer' || g || '@example.test', (array['FR','DE','US','GB','ES'])[1 + g % 5],
       ${literal(seededAt)} - (g % 365) * interval '1 day'
from generate_series(1, 2000) g;
insert into products
select g, 'SKU-' || lpad(g::text, 5, '0'), 'Product ' || g, 500 + (g * 37) % 20000
from generate_series(1, 200) g;
insert into orders (customer_id, status, created_at)
select 1 + (g * 7919) % 2000, (array['paid','shipped','delivered','refunded'])[1 + g % 4],
       ${literal(seededAt)} - (5000 - g) * interval '25 minutes'
from generate_series(1, 5000) g;
insert into order_lines
select o.id, l, 1 + (o.id * 31 + l * 17) % 200, 1 + (o.id + l) % 3, p.price_cents
from orders o
cross join lateral generate_series(1, 1 + (o.id % 4)::int) l
join products p on p.id = 1 + (o.id * 31 + l * 17) % 200;
update orders o set total_cents = t.total
from (select order_id, sum(quantity * price_cents) as total from order_lines group by order_id) t
where t.order_id = o.id;
`;

const ordersActivity = (from: string, to: string, day: number) => `
with new_orders as (
  insert into orders (customer_id, status, created_at)
  select 1 + ((g + ${day} * 131) * 7919) % 2000, 'paid',
         ${literal(from)} + (${literal(to)} - ${literal(from)}) * g / 151.0
  from generate_series(1, 150) g
  returning id
)
insert into order_lines
select n.id, 1, 1 + (n.id * 31) % 200, 1, p.price_cents
from new_orders n join products p on p.id = 1 + (n.id * 31) % 200;
update orders o set total_cents = t.total
from (select order_id, sum(quantity * price_cents) as total from order_lines group by order_id) t
where t.order_id = o.id and o.total_cents = 0;
`;

const billingSchema = (seededAt: string) => `
create table accounts (
  id bigint primary key,
  name text not null,
  plan text not null,
  created_at timestamptz not null
);
create table invoices (
  id bigserial primary key,
  account_id bigint not null references accounts (id),
  amount_cents bigint not null check (amount_cents >= 0),
  status text not null,
  issued_at timestamptz not null,
  due_at timestamptz not null
);
create index invoices_account_idx on invoices (account_id);
create index invoices_issued_at_idx on invoices (issued_at);
create table payments (
  id bigserial primary key,
  invoice_id bigint not null references invoices (id),
  amount_cents bigint not null,
  paid_at timestamptz not null
);
create index payments_invoice_idx on payments (invoice_id);

insert into accounts
select g, 'Account ' || g, (array['free','team','business','enterprise'])[1 + g % 4],
       ${literal(seededAt)} - (g % 700) * interval '1 day'
from generate_series(1, 1000) g;
insert into invoices (account_id, amount_cents, status, issued_at, due_at)
select 1 + (g * 613) % 1000, 1000 + (g * 7877) % 90000, (array['open','paid','paid','void'])[1 + g % 4],
       ${literal(seededAt)} - (6000 - g) * interval '20 minutes',
       ${literal(seededAt)} - (6000 - g) * interval '20 minutes' + interval '30 days'
from generate_series(1, 6000) g;
insert into payments (invoice_id, amount_cents, paid_at)
select i.id, i.amount_cents, i.issued_at + interval '3 days'
from invoices i where i.status = 'paid';
`;

const billingActivity = (from: string, to: string, day: number) => `
insert into invoices (account_id, amount_cents, status, issued_at, due_at)
select 1 + ((g + ${day} * 97) * 613) % 1000, 1000 + (g * 7877) % 90000, 'open',
       ${literal(from)} + (${literal(to)} - ${literal(from)}) * g / 81.0,
       ${literal(from)} + (${literal(to)} - ${literal(from)}) * g / 81.0 + interval '30 days'
from generate_series(1, 80) g;
`;

const scratchSchema = (seededAt: string) => `
create table events (id bigserial primary key, kind text not null, at timestamptz not null);
insert into events (kind, at)
select (array['view','click'])[1 + g % 2], ${literal(seededAt)} - g * interval '1 minute'
from generate_series(1, 1000) g;
`;

export const DEMO_DATABASES: readonly DemoDatabase[] = [
  {
    id: 'orders',
    kind: 'instance',
    engine: 'postgres',
    tags: { backup: 'daily', app: 'shop', owner: 'commerce-team' },
    multiAz: true,
    schema: ordersSchema,
    dailyActivity: ordersActivity,
  },
  {
    id: 'billing',
    kind: 'cluster',
    engine: 'aurora-postgresql',
    tags: { backup: 'daily', app: 'billing', owner: 'finance-team' },
    multiAz: true,
    schema: billingSchema,
    dailyActivity: billingActivity,
  },
  {
    id: 'analytics-scratch',
    kind: 'instance',
    engine: 'postgres',
    tags: { app: 'analytics' },
    multiAz: false,
    schema: scratchSchema,
    dailyActivity: () => '',
  },
];

/** Creates the demo databases that do not exist yet; returns the ids it created. */
export async function seedDemoDatabases(
  cloud: LocalCloud,
  region: string,
  seededAt: Date,
): Promise<string[]> {
  const created: string[] = [];
  for (const database of DEMO_DATABASES) {
    if (cloud.hasDatabase(region, database.id)) continue;
    await cloud.createDatabase({
      region,
      id: database.id,
      kind: database.kind,
      engine: database.engine,
      tags: database.tags,
      multiAz: database.multiAz,
    });
    await cloud.withDatabase(region, database.id, (db: PGlite) =>
      db.exec(database.schema(seededAt.toISOString())),
    );
    created.push(database.id);
  }
  return created;
}

/** Writes one business day of rows (`from` to `to`) into every demo database that has activity. */
export async function simulateBusinessDay(
  cloud: LocalCloud,
  region: string,
  from: Date,
  to: Date,
  day: number,
) {
  for (const database of DEMO_DATABASES) {
    const sql = database.dailyActivity(from.toISOString(), to.toISOString(), day);
    if (sql === '' || !cloud.hasDatabase(region, database.id)) continue;
    await cloud.withDatabase(region, database.id, (db: PGlite) => db.exec(sql));
  }
}

/**
 * A large made-up schema for timing the generator: `tables` tables in a chain, each with a mix of
 * indexed and plain attributes of every common scalar, a many-to-one link to the previous table and
 * a one-to-many link to the next, a many-to-many link on every fifth table, and a nested object type
 * on every tenth.
 */
export function tableName(index: number): string {
  return `Entity${index}`;
}

function table(index: number, tables: number): string {
  const lines = [
    'id: ID @primaryKey',
    'name: String @indexed',
    'code: String',
    index % 2 === 0 ? 'rank: Int @indexed' : 'rank: Int',
    'weight: Float',
    index % 3 === 0 ? 'active: Boolean @indexed' : 'active: Boolean',
    index % 4 === 0 ? 'tags: [String] @indexed' : 'tags: [String]',
    'notes: String',
    'createdAt: Long @createdTime',
    'updatedAt: String @updatedTime',
  ];
  if (index > 0) {
    lines.push(
      'parentId: ID @indexed',
      `parent: ${tableName(index - 1)} @relationship(from: parentId)`,
    );
  }
  if (index + 1 < tables)
    lines.push(`children: [${tableName(index + 1)}] @relationship(to: parentId)`);
  if (index % 5 === 0) {
    lines.push(
      'relatedIds: [ID] @indexed',
      `related: [${tableName((index + 7) % tables)}] @relationship(from: relatedIds)`,
    );
  }
  if (index % 10 === 0) lines.push('address: Address');
  return `type ${tableName(index)} @table @export {\n${lines.map((line) => `  ${line}`).join('\n')}\n}\n`;
}

export function syntheticSchema(tables: number): string {
  const address = 'type Address {\n  street: String\n  city: String\n  postcode: String\n}\n';
  return [address, ...Array.from({ length: tables }, (_, index) => table(index, tables))].join(
    '\n',
  );
}

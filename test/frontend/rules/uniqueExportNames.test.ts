import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('unique-export-names', () => {
  it('allows distinct export names, and unexported tables with any name', () => {
    expectValid(`
      type A @table @export { id: ID @primaryKey }
      type B @table @export(name: "b") { id: ID @primaryKey }
      type C @table(table: "health") { id: ID @primaryKey }
    `);
  });

  it('refuses two tables exported under one name, at the second @export', () => {
    expectErrors(
      `
      type Product @table @export { id: ID @primaryKey }
      type ProductV2 @table @export(name: "Product") { id: ID @primaryKey }
      `,
      [
        [
          2,
          23,
          'Tables "Product" and "ProductV2" are both exported as "/Product/" (the first at schema.graphql:1:21); give one of them another name with @export(name: "...")',
        ],
      ],
    );
  });

  it('refuses an export name that the server answers itself', () => {
    expectErrors('type Status @table @export(name: "health") { id: ID @primaryKey }', [
      [
        1,
        20,
        'Table "Status" is exported as "/health", a path the generated server answers itself; choose another name with @export(name: "...")',
      ],
    ]);
  });

  it('refuses a table exported as /openapi, where the server serves its OpenAPI document', () => {
    expectErrors('type OpenApi @table @export(name: "openapi") { id: ID @primaryKey }', [
      [
        1,
        21,
        'Table "OpenApi" is exported as "/openapi", a path the generated server answers itself; choose another name with @export(name: "...")',
      ],
    ]);
  });

  it('refuses a table exported as /studio, where the server serves its data studio', () => {
    expectErrors('type Studio @table @export(name: "studio") { id: ID @primaryKey }', [
      [
        1,
        20,
        'Table "Studio" is exported as "/studio", a path the generated server answers itself; choose another name with @export(name: "...")',
      ],
    ]);
  });
});

import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('relationship-key-types', () => {
  it('allows keys of the same family, and Any', () => {
    expectValid(`
      type User @table { id: ID @primaryKey posts: [Post] @relationship(to: authorId) }
      type Post @table {
        id: Long @primaryKey
        authorId: String
        author: User @relationship(from: authorId)
        relatedIds: [Int]
        related: [Post] @relationship(from: relatedIds)
        anyId: Any
        any: User @relationship(from: anyId)
      }
    `);
  });

  it('refuses a from: attribute of another family than the target key', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey }
      type Post @table { id: ID @primaryKey authorId: Int author: User @relationship(from: authorId) }
      `,
      [
        [
          2,
          86,
          '"Post.authorId" (Int) holds the keys of "User.id" (ID) for "Post.author", and a number value never equals a text key; declare "Post.authorId" as ID',
        ],
      ],
    );
  });

  it('refuses a to: attribute of another family than this key, naming the list form', () => {
    expectErrors(
      `
      type Tag @table { id: Int @primaryKey posts: [Post] @relationship(to: tagIds) }
      type Post @table { id: ID @primaryKey tagIds: [String] }
      `,
      [
        [
          1,
          71,
          '"Post.tagIds" (String) holds the keys of "Tag.id" (Int) for "Tag.posts", and a text value never equals a number key; declare "Post.tagIds" as [Int]',
        ],
      ],
    );
  });

  it('refuses a key holder whose type cannot hold a key', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey }
      type Post @table { id: ID @primaryKey authorId: Boolean author: User @relationship(from: authorId) }
      `,
      [
        [
          2,
          90,
          '"Post.authorId" holds the keys of "User.id" for "Post.author", but its type Boolean cannot hold a key; declare "Post.authorId" as ID',
        ],
      ],
    );
  });

  it('refuses a key holder of an object type', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey }
      type Post @table { id: ID @primaryKey authorRef: Ref author: User @relationship(from: authorRef) }
      type Ref { id: ID }
      `,
      [
        [
          2,
          87,
          '"Post.authorRef" holds the keys of "User.id" for "Post.author", but its object type "Ref" cannot hold a key; declare "Post.authorRef" as ID',
        ],
      ],
    );
  });
});

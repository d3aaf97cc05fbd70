import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A file's content, stored once per distinct sha256 however often it is posted. */
@Entity('file_blob')
export class FileBlob {
  @PrimaryColumn({ type: 'char', length: 64 })
  sha256: string;

  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  size: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** Content is split in chunks so that no single value nears PostgreSQL's 1 GB bytea limit. */
@Entity('file_blob_chunk')
export class FileBlobChunk {
  @PrimaryColumn({ type: 'char', length: 64 })
  sha256: string;

  @PrimaryColumn({ type: 'int' })
  seq: number;

  @Column({ type: 'bytea' })
  data: Buffer;
}

// What every handler shares: the journal entry's common fields, and accounts.
import { Bytes, Entity, Value, ethereum } from "@graphprotocol/graph-ts";
import { Account } from "../generated/schema";

// An event's id: its block number (8 bytes) then its log index in the block (4 bytes), big-endian,
// so that ordering events by id is chain order and a reader can page with `id_gt`.
export function eventId(event: ethereum.Event): Bytes {
  let id = new Bytes(12);
  let block = event.block.number.toU64();
  for (let i = 7; i >= 0; i--) {
    id[i] = <u8>(block & 0xff);
    block = block >> 8;
  }
  let index = event.logIndex.toU64();
  for (let i = 11; i >= 8; i--) {
    id[i] = <u8>(index & 0xff);
    index = index >> 8;
  }
  return id;
}

// Fill the MarketEvent interface's fields of a journal entry and save it.
export function record(entry: Entity, event: ethereum.Event): void {
  entry.set("contract", Value.fromBytes(event.address));
  entry.set("blockNumber", Value.fromBigInt(event.block.number));
  entry.set("blockHash", Value.fromBytes(event.block.hash));
  entry.set("timestamp", Value.fromBigInt(event.block.timestamp));
  entry.set("transaction", Value.fromBytes(event.transaction.hash));
  entry.set("logIndex", Value.fromBigInt(event.logIndex));
}

// The account of an address, created on first sight.
export function account(address: Bytes): Account {
  let found = Account.load(address);
  if (found == null) {
    found = new Account(address);
    found.save();
  }
  return found;
}

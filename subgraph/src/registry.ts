// AssetRegistry: assets, their lineage, metadata versions and owners.
import { BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  AssetRegistered as AssetRegisteredEvent,
  LicenseCheckerSet as LicenseCheckerSetEvent,
  MetadataUpdated as MetadataUpdatedEvent,
  MinParentRoyaltySet as MinParentRoyaltySetEvent,
  ParentLinked as ParentLinkedEvent,
  Transfer as TransferEvent,
} from "../generated/AssetRegistry/AssetRegistry";
import {
  Asset,
  AssetRegistered,
  AssetTransfer,
  MetadataUpdated,
  ParentLink,
  ParentLinked,
} from "../generated/schema";
import { account, eventId, record } from "./journal";
import { terms } from "./terms";

const ZERO = Bytes.fromHexString("0x0000000000000000000000000000000000000000");

export function handleAssetRegistered(event: AssetRegisteredEvent): void {
  let p = event.params;
  let entry = new AssetRegistered(eventId(event));
  record(entry, event);
  entry.assetId = p.assetId;
  entry.creator = p.creator;
  entry.kind = BigInt.fromI32(p.kind);
  entry.contentCid = p.contentCid;
  entry.metadataCid = p.metadataCid;
  entry.parents = p.parents;
  entry.parentRoyaltyBps = BigInt.fromI32(p.parentRoyaltyBps);
  entry.derivativeRoyaltyBps = BigInt.fromI32(p.derivativeRoyaltyBps);
  entry.contributorsRoot = p.contributorsRoot;
  entry.totalWeight = p.totalWeight;
  entry.contributorsCid = p.contributorsCid;
  entry.labelingRecord = p.labelingRecord;
  entry.campaignId = p.campaignId;
  entry.ownerShareBps = BigInt.fromI32(p.ownerShareBps);
  entry.save();

  let asset = new Asset(p.assetId.toString());
  asset.assetId = p.assetId;
  asset.kind = p.kind;
  asset.creator = account(p.creator).id;
  asset.owner = asset.creator;
  asset.contentCid = p.contentCid;
  asset.metadataCid = p.metadataCid;
  asset.metadataVersion = BigInt.fromI32(1);
  asset.parentRoyaltyBps = p.parentRoyaltyBps;
  asset.derivativeRoyaltyBps = p.derivativeRoyaltyBps;
  asset.contributorsRoot = p.contributorsRoot;
  asset.totalWeight = p.totalWeight;
  asset.contributorsCid = p.contributorsCid;
  asset.labelingRecord = p.labelingRecord;
  asset.campaignId = p.campaignId;
  asset.ownerShareBps = p.ownerShareBps;
  asset.licenseCount = BigInt.zero();
  asset.revenueDeposited = BigInt.zero();
  asset.revenueInherited = BigInt.zero();
  asset.distributedToParents = BigInt.zero();
  asset.distributedToContributors = BigInt.zero();
  asset.claimed = BigInt.zero();
  asset.registeredBlock = event.block.number;
  asset.registeredAt = event.block.timestamp;
  asset.registeredTx = event.transaction.hash;
  asset.save();
}

export function handleParentLinked(event: ParentLinkedEvent): void {
  let entry = new ParentLinked(eventId(event));
  record(entry, event);
  entry.child = event.params.child;
  entry.parent = event.params.parent;
  entry.save();

  let link = new ParentLink(event.params.child.toString() + "-" + event.params.parent.toString());
  link.child = event.params.child.toString();
  link.parent = event.params.parent.toString();
  link.forwarded = BigInt.zero();
  link.save();
}

export function handleMetadataUpdated(event: MetadataUpdatedEvent): void {
  let p = event.params;
  let entry = new MetadataUpdated(eventId(event));
  record(entry, event);
  entry.assetId = p.assetId;
  entry.version = p.version;
  entry.metadataCid = p.metadataCid;
  entry.previousMetadataCid = p.previousMetadataCid;
  entry.by = p.by;
  entry.save();

  let asset = Asset.load(p.assetId.toString());
  if (asset != null) {
    asset.metadataCid = p.metadataCid;
    asset.metadataVersion = p.version;
    asset.save();
  }
}

export function handleTransfer(event: TransferEvent): void {
  let p = event.params;
  let entry = new AssetTransfer(eventId(event));
  record(entry, event);
  entry.from = p.from;
  entry.to = p.to;
  entry.tokenId = p.tokenId;
  entry.save();

  // The mint comes before AssetRegistered (which sets the owner); a burn leaves the last owner.
  let asset = Asset.load(p.tokenId.toString());
  if (asset != null && p.to != ZERO) {
    asset.owner = account(p.to).id;
    asset.save();
  }
}

export function handleLicenseCheckerSet(event: LicenseCheckerSetEvent): void {
  let t = terms();
  t.licenseChecker = event.params.licenseChecker;
  t.save();
}

export function handleMinParentRoyaltySet(event: MinParentRoyaltySetEvent): void {
  let t = terms();
  t.minParentRoyaltyBps = event.params.bps;
  t.save();
}

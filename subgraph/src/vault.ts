// RoyaltyVault: revenue paid in, forwarded up the lineage, distributed, and claimed.
import { BigInt } from "@graphprotocol/graph-ts";
import {
  Claimed as ClaimedEvent,
  Distributed as DistributedEvent,
  RevenueDeposited as RevenueDepositedEvent,
  RevenueForwarded as RevenueForwardedEvent,
} from "../generated/RoyaltyVault/RoyaltyVault";
import {
  Asset,
  Contributor,
  Distributed,
  ParentLink,
  RevenueDeposited,
  RevenueForwarded,
  RoyaltyClaim,
} from "../generated/schema";
import { account, eventId, record } from "./journal";

export function handleRevenueDeposited(event: RevenueDepositedEvent): void {
  let p = event.params;
  let entry = new RevenueDeposited(eventId(event));
  record(entry, event);
  entry.assetId = p.assetId;
  entry.from = p.from;
  entry.amount = p.amount;
  entry.save();

  let asset = Asset.load(p.assetId.toString());
  if (asset != null) {
    asset.revenueDeposited = asset.revenueDeposited.plus(p.amount);
    asset.save();
  }
}

export function handleRevenueForwarded(event: RevenueForwardedEvent): void {
  let p = event.params;
  let entry = new RevenueForwarded(eventId(event));
  record(entry, event);
  entry.assetId = p.assetId;
  entry.parentId = p.parentId;
  entry.amount = p.amount;
  entry.save();

  let link = ParentLink.load(p.assetId.toString() + "-" + p.parentId.toString());
  if (link != null) {
    link.forwarded = link.forwarded.plus(p.amount);
    link.save();
  }
  let parent = Asset.load(p.parentId.toString());
  if (parent != null) {
    parent.revenueInherited = parent.revenueInherited.plus(p.amount);
    parent.save();
  }
}

export function handleDistributed(event: DistributedEvent): void {
  let p = event.params;
  let entry = new Distributed(eventId(event));
  record(entry, event);
  entry.assetId = p.assetId;
  entry.toParents = p.toParents;
  entry.toContributors = p.toContributors;
  entry.save();

  let asset = Asset.load(p.assetId.toString());
  if (asset != null) {
    asset.distributedToParents = asset.distributedToParents.plus(p.toParents);
    asset.distributedToContributors = asset.distributedToContributors.plus(p.toContributors);
    asset.save();
  }
}

export function handleClaimed(event: ClaimedEvent): void {
  let p = event.params;
  let entry = new RoyaltyClaim(eventId(event));
  record(entry, event);
  entry.assetId = p.assetId;
  entry.account = p.account;
  entry.amount = p.amount;
  entry.weight = p.weight;
  entry.asset = p.assetId.toString();
  entry.claimer = account(p.account).id;
  entry.save();

  let id = p.assetId.toString() + "-" + p.account.toHexString();
  let contributor = Contributor.load(id);
  if (contributor == null) {
    contributor = new Contributor(id);
    contributor.asset = p.assetId.toString();
    contributor.account = entry.claimer;
    contributor.claimed = BigInt.zero();
    contributor.weight = BigInt.zero();
  }
  contributor.claimed = contributor.claimed.plus(p.amount);
  // The weight is admitted on the first claim only (0 for an owner and on later claims).
  if (p.weight.gt(BigInt.zero())) {
    contributor.weight = p.weight;
  }
  contributor.save();

  let asset = Asset.load(p.assetId.toString());
  if (asset != null) {
    asset.claimed = asset.claimed.plus(p.amount);
    asset.save();
  }
}

// LicenseMarket: offers, licenses through their life (pending, delivered, disputed, settled,
// refunded), their holders, and the market's terms.
import { BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  DeliveryTimeoutSet as DeliveryTimeoutSetEvent,
  DisputeResolved as DisputeResolvedEvent,
  DisputeTermsSet as DisputeTermsSetEvent,
  FeeSet as FeeSetEvent,
  KeyDelivered as KeyDeliveredEvent,
  LicenseDisputed as LicenseDisputedEvent,
  LicensePurchased as LicensePurchasedEvent,
  LicenseRefunded as LicenseRefundedEvent,
  LicenseSettled as LicenseSettledEvent,
  LicenseUsed as LicenseUsedEvent,
  OfferActiveSet as OfferActiveSetEvent,
  OfferCreated as OfferCreatedEvent,
  Transfer as TransferEvent,
} from "../generated/LicenseMarket/LicenseMarket";
import {
  Asset,
  DisputeResolved,
  KeyDelivered,
  License,
  LicenseDisputed,
  LicensePurchased,
  LicenseRefunded,
  LicenseSettled,
  LicenseTransfer,
  LicenseUsed,
  Offer,
  OfferActiveSet,
  OfferCreated,
} from "../generated/schema";
import { account, eventId, record } from "./journal";
import { terms } from "./terms";

const ZERO = Bytes.fromHexString("0x0000000000000000000000000000000000000000");

export function handleOfferCreated(event: OfferCreatedEvent): void {
  let p = event.params;
  let entry = new OfferCreated(eventId(event));
  record(entry, event);
  entry.offerId = p.offerId;
  entry.assetId = p.assetId;
  entry.seller = p.seller;
  entry.price = p.price;
  entry.duration = p.duration;
  entry.maxLicenses = p.maxLicenses;
  entry.commercialUse = p.commercialUse;
  entry.derivativesAllowed = p.derivativesAllowed;
  entry.transferable = p.transferable;
  entry.save();

  let offer = new Offer(p.offerId.toString());
  offer.offerId = p.offerId;
  offer.asset = p.assetId.toString();
  offer.seller = account(p.seller).id;
  offer.price = p.price;
  offer.duration = p.duration;
  offer.maxLicenses = p.maxLicenses;
  offer.commercialUse = p.commercialUse;
  offer.derivativesAllowed = p.derivativesAllowed;
  offer.transferable = p.transferable;
  offer.active = true;
  offer.sold = BigInt.zero();
  offer.createdBlock = event.block.number;
  offer.save();
}

export function handleOfferActiveSet(event: OfferActiveSetEvent): void {
  let entry = new OfferActiveSet(eventId(event));
  record(entry, event);
  entry.offerId = event.params.offerId;
  entry.active = event.params.active;
  entry.save();

  let offer = Offer.load(event.params.offerId.toString());
  if (offer != null) {
    offer.active = event.params.active;
    offer.save();
  }
}

export function handleLicensePurchased(event: LicensePurchasedEvent): void {
  let p = event.params;
  let entry = new LicensePurchased(eventId(event));
  record(entry, event);
  entry.licenseId = p.licenseId;
  entry.assetId = p.assetId;
  entry.buyer = p.buyer;
  entry.offerId = p.offerId;
  entry.price = p.price;
  entry.deliverBy = p.deliverBy;
  entry.encryptionPubKey = p.encryptionPubKey;
  entry.save();

  let license = new License(p.licenseId.toString());
  license.licenseId = p.licenseId;
  license.asset = p.assetId.toString();
  license.buyer = account(p.buyer).id;
  license.holder = license.buyer;
  license.price = p.price;
  license.deliverBy = p.deliverBy;
  license.encryptionPubKey = p.encryptionPubKey;
  license.status = "Pending";
  license.usedForDerivative = false;
  license.createdBlock = event.block.number;
  let offer = Offer.load(p.offerId.toString());
  if (offer != null) {
    license.offer = offer.id;
    offer.sold = offer.sold.plus(BigInt.fromI32(1));
    offer.save();
  }
  license.save();

  let asset = Asset.load(p.assetId.toString());
  if (asset != null) {
    asset.licenseCount = asset.licenseCount.plus(BigInt.fromI32(1));
    asset.save();
  }
}

export function handleKeyDelivered(event: KeyDeliveredEvent): void {
  let p = event.params;
  let entry = new KeyDelivered(eventId(event));
  record(entry, event);
  entry.licenseId = p.licenseId;
  entry.assetId = p.assetId;
  entry.wrappedKeyCid = p.wrappedKeyCid;
  entry.expiresAt = p.expiresAt;
  entry.disputeUntil = p.disputeUntil;
  entry.save();

  let license = License.load(p.licenseId.toString());
  if (license != null) {
    license.status = "Delivered";
    license.wrappedKeyCid = p.wrappedKeyCid;
    license.expiresAt = p.expiresAt;
    license.disputeUntil = p.disputeUntil;
    license.save();
  }
}

export function handleLicenseDisputed(event: LicenseDisputedEvent): void {
  let p = event.params;
  let entry = new LicenseDisputed(eventId(event));
  record(entry, event);
  entry.licenseId = p.licenseId;
  entry.buyer = p.buyer;
  entry.bond = p.bond;
  entry.ruleBy = p.ruleBy;
  entry.reasonCid = p.reasonCid;
  entry.save();

  let license = License.load(p.licenseId.toString());
  if (license != null) {
    license.status = "Disputed";
    license.disputeBond = p.bond;
    license.ruleBy = p.ruleBy;
    license.reasonCid = p.reasonCid;
    license.save();
  }
}

export function handleDisputeResolved(event: DisputeResolvedEvent): void {
  let p = event.params;
  let entry = new DisputeResolved(eventId(event));
  record(entry, event);
  entry.licenseId = p.licenseId;
  entry.buyerWins = p.buyerWins;
  entry.arbiter = p.arbiter;
  entry.save();

  // The buyer's win is followed by LicenseRefunded, the seller's by LicenseSettled.
  let license = License.load(p.licenseId.toString());
  if (license != null) {
    license.buyerWins = p.buyerWins;
    license.arbiter = p.arbiter;
    license.save();
  }
}

export function handleLicenseSettled(event: LicenseSettledEvent): void {
  let p = event.params;
  let entry = new LicenseSettled(eventId(event));
  record(entry, event);
  entry.licenseId = p.licenseId;
  entry.assetId = p.assetId;
  entry.fee = p.fee;
  entry.revenue = p.revenue;
  entry.save();

  let license = License.load(p.licenseId.toString());
  if (license != null) {
    license.status = "Settled";
    license.fee = p.fee;
    license.revenue = p.revenue;
    license.save();
  }
}

export function handleLicenseRefunded(event: LicenseRefundedEvent): void {
  let p = event.params;
  let entry = new LicenseRefunded(eventId(event));
  record(entry, event);
  entry.licenseId = p.licenseId;
  entry.buyer = p.buyer;
  entry.amount = p.amount;
  entry.save();

  let license = License.load(p.licenseId.toString());
  if (license != null) {
    if (license.status != "Refunded") {
      let asset = Asset.load(license.asset);
      if (asset != null) {
        asset.licenseCount = asset.licenseCount.minus(BigInt.fromI32(1));
        asset.save();
      }
    }
    license.status = "Refunded";
    license.refunded = p.amount;
    license.save();
  }
}

export function handleLicenseUsed(event: LicenseUsedEvent): void {
  let p = event.params;
  let entry = new LicenseUsed(eventId(event));
  record(entry, event);
  entry.licenseId = p.licenseId;
  entry.assetId = p.assetId;
  entry.account = p.account;
  entry.forDerivative = p.forDerivative;
  entry.save();

  let license = License.load(p.licenseId.toString());
  if (license != null && p.forDerivative) {
    license.usedForDerivative = true;
    license.save();
  }
}

export function handleTransfer(event: TransferEvent): void {
  let p = event.params;
  let entry = new LicenseTransfer(eventId(event));
  record(entry, event);
  entry.from = p.from;
  entry.to = p.to;
  entry.tokenId = p.tokenId;
  entry.save();

  // The mint comes before LicensePurchased (which creates the license); a burn is a refund.
  let license = License.load(p.tokenId.toString());
  if (license != null && p.to != ZERO) {
    license.holder = account(p.to).id;
    license.save();
  }
}

export function handleFeeSet(event: FeeSetEvent): void {
  let t = terms();
  t.treasury = event.params.treasury;
  t.feeBps = event.params.feeBps;
  t.save();
}

export function handleDeliveryTimeoutSet(event: DeliveryTimeoutSetEvent): void {
  let t = terms();
  t.deliveryTimeout = event.params.timeout;
  t.save();
}

export function handleDisputeTermsSet(event: DisputeTermsSetEvent): void {
  let t = terms();
  t.disputeWindow = event.params.window;
  t.disputeBondBps = event.params.bondBps;
  t.arbiterTimeout = event.params.arbiterTimeout;
  t.save();
}

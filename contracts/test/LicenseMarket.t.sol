// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {LicenseMarket} from "../src/LicenseMarket.sol";
import {RoyaltyVault} from "../src/RoyaltyVault.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors, IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

contract LicenseMarketTest is Fixture {
    address alice = makeAddr("alice"); // seller
    address bob; // buyer (has a key for permits)
    uint256 bobKey;
    address carol = makeAddr("carol");
    uint256 asset;
    bytes constant PUBKEY = hex"04a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    uint96 constant PRICE = 100e18;

    function setUp() public {
        deploySystem();
        (bob, bobKey) = makeKey("bob");
        asset = registerAsset(alice);
        fundAndApprove(bob, address(market), 1_000e18);
    }

    function _terms(uint96 price, uint64 duration, uint32 max, bool deriv, bool transferable)
        internal
        view
        returns (LicenseMarket.OfferTerms memory)
    {
        return LicenseMarket.OfferTerms({
            assetId: asset,
            price: price,
            duration: duration,
            maxLicenses: max,
            commercialUse: true,
            derivativesAllowed: deriv,
            transferable: transferable
        });
    }

    function _offer(uint96 price, uint64 duration, uint32 max, bool deriv, bool transferable)
        internal
        returns (uint256)
    {
        vm.prank(alice);
        return market.createOffer(_terms(price, duration, max, deriv, transferable));
    }

    function _buy(uint256 offerId) internal returns (uint256) {
        vm.prank(bob);
        return market.buy(offerId, PUBKEY);
    }

    function _deliver(uint256 licenseId) internal {
        vm.prank(alice);
        market.recordDelivery(licenseId, "bafkreiwrapped");
    }

    /// @dev Deliver, then the buyer accepts (releases the escrow before the dispute window ends).
    function _deliverAndSettle(uint256 licenseId) internal {
        _deliver(licenseId);
        vm.prank(market.ownerOf(licenseId));
        market.release(licenseId);
    }

    // ------------------------------------------------------------------ constructor / admin
    function test_constructor_reverts() public {
        vm.expectRevert(LicenseMarket.ZeroAddress.selector);
        new LicenseMarket(token, registry, vault, address(0), treasury, 0, 1);
        vm.expectRevert(LicenseMarket.ZeroAddress.selector);
        new LicenseMarket(token, registry, vault, admin, address(0), 0, 1);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.FeeTooHigh.selector, 1_001));
        new LicenseMarket(token, registry, vault, admin, treasury, 1_001, 1);
        vm.expectRevert(LicenseMarket.InvalidTimeout.selector);
        new LicenseMarket(token, registry, vault, admin, treasury, 0, 0);
        vm.expectRevert(LicenseMarket.InvalidTimeout.selector);
        new LicenseMarket(token, registry, vault, admin, treasury, 0, 90 days + 1);
    }

    function test_setFee() public {
        vm.expectEmit(address(market));
        emit LicenseMarket.FeeSet(carol, 1_000);
        vm.prank(admin);
        market.setFee(carol, 1_000);
        assertEq(market.treasury(), carol);
        assertEq(market.feeBps(), 1_000);
    }

    function test_setFee_reverts() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.FeeTooHigh.selector, 1_001));
        market.setFee(carol, 1_001);
        vm.expectRevert(LicenseMarket.ZeroAddress.selector);
        market.setFee(address(0), 1);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, bytes32(0))
        );
        vm.prank(bob);
        market.setFee(carol, 1);
    }

    function test_setDeliveryTimeout() public {
        vm.prank(admin);
        market.setDeliveryTimeout(1 hours);
        assertEq(market.deliveryTimeout(), 1 hours);
        vm.expectRevert(LicenseMarket.InvalidTimeout.selector);
        vm.prank(admin);
        market.setDeliveryTimeout(0);
        vm.expectRevert(LicenseMarket.InvalidTimeout.selector); // bounded: 90 days
        vm.prank(admin);
        market.setDeliveryTimeout(type(uint40).max);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, bytes32(0))
        );
        vm.prank(bob);
        market.setDeliveryTimeout(5);
    }

    // ------------------------------------------------------------------ offers
    function test_createOffer() public {
        vm.expectEmit(address(market));
        emit LicenseMarket.OfferCreated(1, asset, alice, PRICE, 30 days, 5, true, true, false);
        uint256 id = _offer(PRICE, 30 days, 5, true, false);
        assertEq(id, 1);
        LicenseMarket.Offer memory o = market.getOffer(id);
        assertEq(o.assetId, asset);
        assertEq(o.price, PRICE);
        assertEq(o.duration, 30 days);
        assertEq(o.maxLicenses, 5);
        assertEq(o.sold, 0);
        assertTrue(o.commercialUse && o.derivativesAllowed && !o.transferable && o.active);
    }

    function test_createOffer_byOperator() public {
        vm.prank(alice);
        registry.setApprovalForAll(carol, true);
        vm.prank(carol);
        market.createOffer(_terms(1, 0, 0, false, false));
        assertEq(market.offerCount(), 1);
    }

    function test_createOffer_revertsNotOperator() public {
        LicenseMarket.OfferTerms memory t = _terms(1, 0, 0, false, false);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotAssetOperator.selector, asset, bob));
        vm.prank(bob);
        market.createOffer(t);
    }

    function test_createOffer_revertsUnknownAsset() public {
        LicenseMarket.OfferTerms memory t = _terms(1, 0, 0, false, false);
        t.assetId = 99;
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 99));
        vm.prank(alice);
        market.createOffer(t);
    }

    function test_setOfferActive() public {
        uint256 id = _offer(PRICE, 0, 0, false, false);
        vm.expectEmit(address(market));
        emit LicenseMarket.OfferActiveSet(id, false);
        vm.prank(alice);
        market.setOfferActive(id, false);
        assertFalse(market.getOffer(id).active);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.OfferInactive.selector, id));
        _buy(id);
        vm.prank(alice);
        market.setOfferActive(id, true);
        _buy(id);
    }

    function test_setOfferActive_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.UnknownOffer.selector, 5));
        market.setOfferActive(5, false);
        uint256 id = _offer(PRICE, 0, 0, false, false);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotAssetOperator.selector, asset, bob));
        vm.prank(bob);
        market.setOfferActive(id, false);
    }

    // ------------------------------------------------------------------ buying
    function test_buy_escrowsAndMints() public {
        uint256 offerId = _offer(PRICE, 30 days, 0, false, false);
        vm.expectEmit(address(market));
        emit LicenseMarket.LicensePurchased(1, asset, bob, offerId, PRICE, block.timestamp + DELIVERY_TIMEOUT, PUBKEY);
        uint256 id = _buy(offerId);
        assertEq(market.ownerOf(id), bob);
        assertEq(token.balanceOf(address(market)), PRICE);
        LicenseMarket.License memory l = market.getLicense(id);
        assertEq(uint256(l.status), uint256(LicenseMarket.Status.Pending));
        assertEq(l.paid, PRICE);
        assertEq(l.feeBps, FEE_BPS);
        assertEq(l.deadline, block.timestamp + DELIVERY_TIMEOUT);
        assertEq(l.expiresAt, 0);
        assertEq(market.getOffer(offerId).sold, 1);
        assertEq(market.assetOfLicense(id), asset);
        assertFalse(market.isLicensed(asset, bob)); // valid only once delivered
    }

    function test_buyWithPermit() public {
        address dave;
        uint256 daveKey;
        (dave, daveKey) = makeKey("dave");
        fund(dave, PRICE);
        uint256 offerId = _offer(PRICE, 0, 0, false, false);
        (uint8 v, bytes32 r, bytes32 s) = signPermit(daveKey, address(market), PRICE, block.timestamp + 1 hours);
        vm.prank(dave);
        uint256 id = market.buyWithPermit(offerId, PUBKEY, block.timestamp + 1 hours, v, r, s);
        assertEq(market.ownerOf(id), dave);
        assertEq(token.balanceOf(dave), 0);
        assertEq(token.allowance(dave, address(market)), 0);
    }

    function test_buyWithPermit_frontRunPermitStillWorks() public {
        address dave;
        uint256 daveKey;
        (dave, daveKey) = makeKey("dave");
        fund(dave, PRICE);
        uint256 offerId = _offer(PRICE, 0, 0, false, false);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(daveKey, address(market), PRICE, deadline);
        token.permit(dave, address(market), PRICE, deadline, v, r, s); // griefer submits it first
        vm.prank(dave);
        market.buyWithPermit(offerId, PUBKEY, deadline, v, r, s);
        assertEq(market.balanceOf(dave), 1);
    }

    function test_buyWithPermit_revertsBadPermitWithoutAllowance() public {
        address dave = makeAddr("dave");
        fund(dave, PRICE);
        uint256 offerId = _offer(PRICE, 0, 0, false, false);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, PRICE)
        );
        vm.prank(dave);
        market.buyWithPermit(offerId, PUBKEY, block.timestamp, 27, bytes32(0), bytes32(0));
    }

    function test_buy_reverts_pubkey() public {
        uint256 offerId = _offer(PRICE, 0, 0, false, false);
        vm.expectRevert(LicenseMarket.InvalidPubKey.selector);
        vm.prank(bob);
        market.buy(offerId, "");
        vm.expectRevert(LicenseMarket.InvalidPubKey.selector);
        vm.prank(bob);
        market.buy(offerId, new bytes(134));
    }

    function test_buy_revertsUnknownOffer() public {
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.UnknownOffer.selector, 3));
        _buy(3);
    }

    function test_buy_revertsSoldOut_refundFreesSlot() public {
        uint256 offerId = _offer(PRICE, 0, 1, false, false);
        uint256 id = _buy(offerId);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.SoldOut.selector, offerId));
        _buy(offerId);
        vm.warp(block.timestamp + DELIVERY_TIMEOUT + 1);
        vm.prank(bob);
        market.refund(id);
        _buy(offerId);
    }

    function test_buy_revertsWithoutFunds() public {
        uint256 offerId = _offer(PRICE, 0, 0, false, false);
        vm.prank(carol);
        token.approve(address(market), PRICE);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, carol, 0, PRICE));
        vm.prank(carol);
        market.buy(offerId, PUBKEY);
    }

    function test_buy_free() public {
        uint256 offerId = _offer(0, 0, 0, true, false);
        uint256 id = _buy(offerId);
        _deliverAndSettle(id);
        assertTrue(market.isLicensed(asset, bob));
        assertEq(token.balanceOf(address(market)), 0);
    }

    // ------------------------------------------------------------------ delivery
    function test_recordDelivery_startsLicenseAndWindow_releaseAfterWindow() public {
        uint256 offerId = _offer(PRICE, 30 days, 0, true, false);
        uint256 id = _buy(offerId);
        uint256 fee = uint256(PRICE) * FEE_BPS / 10_000;
        uint256 window = market.disputeWindow();
        vm.expectEmit(address(market));
        emit LicenseMarket.KeyDelivered(id, asset, "bafkreiwrapped", block.timestamp + 30 days, block.timestamp + window);
        _deliver(id);
        assertEq(token.balanceOf(address(market)), PRICE); // held through the dispute window
        assertTrue(market.isLicensed(asset, bob)); // usable at once
        assertFalse(market.canDerive(asset, bob)); // derivatives wait for the escrow to settle
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotReleasable.selector, id));
        vm.prank(carol);
        market.release(id); // others wait for the window to end
        vm.warp(block.timestamp + window + 1);
        vm.expectEmit(address(market));
        emit LicenseMarket.LicenseSettled(id, asset, fee, PRICE - fee);
        vm.prank(carol);
        market.release(id);
        assertEq(token.balanceOf(treasury), fee);
        assertEq(token.balanceOf(address(market)), 0);
        assertEq(token.balanceOf(address(vault)), PRICE - fee);
        assertEq(vault.pending(asset), PRICE - fee);
        LicenseMarket.License memory l = market.getLicense(id);
        assertEq(uint256(l.status), uint256(LicenseMarket.Status.Settled));
        assertEq(l.expiresAt, block.timestamp - window - 1 + 30 days);
        assertTrue(market.isLicensed(asset, bob));
        assertTrue(market.canDerive(asset, bob));
        assertTrue(market.isValidLicense(id, bob));
        assertEq(market.licenseHint(asset, bob), id);
        vm.warp(block.timestamp + 30 days);
        assertFalse(market.isLicensed(asset, bob));
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotReleasable.selector, id));
        market.release(id); // once only
    }

    function test_recordDelivery_perpetual_andFeeSnapshot() public {
        uint256 offerId = _offer(PRICE, 0, 0, false, false);
        uint256 id = _buy(offerId);
        vm.prank(admin);
        market.setFee(treasury, 0); // the fee at purchase time applies
        _deliverAndSettle(id);
        assertEq(token.balanceOf(treasury), uint256(PRICE) * FEE_BPS / 10_000);
        assertEq(market.getLicense(id).expiresAt, type(uint40).max);
        vm.warp(block.timestamp + 3650 days);
        assertTrue(market.isLicensed(asset, bob));
        assertFalse(market.canDerive(asset, bob));
    }

    function test_recordDelivery_hintKeepsLongerLicense() public {
        uint256 perpetual = _offer(PRICE, 0, 0, false, false);
        uint256 shortOne = _offer(1e18, 1 days, 0, true, false);
        uint256 a = _buy(perpetual);
        uint256 b = _buy(shortOne);
        _deliverAndSettle(a);
        _deliverAndSettle(b);
        assertEq(market.licenseHint(asset, bob), a);
        assertFalse(market.canDerive(asset, bob));
        vm.prank(bob);
        market.useLicense(b);
        assertTrue(market.canDerive(asset, bob));
    }

    function test_recordDelivery_reverts() public {
        uint256 offerId = _offer(PRICE, 0, 0, false, false);
        uint256 id = _buy(offerId);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotAssetOperator.selector, asset, bob));
        vm.prank(bob);
        market.recordDelivery(id, "bafkreix");
        vm.expectRevert(LicenseMarket.InvalidCid.selector);
        vm.prank(alice);
        market.recordDelivery(id, "");
        _deliver(id);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotPending.selector, id));
        _deliver(id);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotPending.selector, 77));
        _deliver(77);
    }

    /// @dev Attack: the seller watches for the buyer's refund and front-runs it with a late
    ///      delivery, taking the money for a key delivered after the deadline. Now refused, and
    ///      the buyer's refund goes through.
    function test_attack_lateDeliverySnipe_refused() public {
        uint256 id = _buy(_offer(PRICE, 0, 0, false, false));
        uint256 deliverBy = block.timestamp + DELIVERY_TIMEOUT;
        vm.warp(deliverBy);
        _deliver(id); // at the deadline itself delivery still counts
        uint256 late = _buy(_offer(PRICE, 0, 0, false, false));
        vm.warp(block.timestamp + DELIVERY_TIMEOUT + 1);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.DeliveryLate.selector, late, block.timestamp - 1));
        _deliver(late);
        uint256 before = token.balanceOf(bob);
        vm.prank(bob);
        market.refund(late);
        assertEq(token.balanceOf(bob), before + PRICE);
    }

    // ------------------------------------------------------------------ refunds
    function test_refund_afterTimeout() public {
        uint256 offerId = _offer(PRICE, 0, 0, false, false);
        uint256 id = _buy(offerId);
        uint256 before = token.balanceOf(bob);
        vm.warp(block.timestamp + DELIVERY_TIMEOUT + 1);
        vm.expectEmit(address(market));
        emit LicenseMarket.LicenseRefunded(id, bob, PRICE);
        vm.prank(bob);
        market.refund(id);
        assertEq(token.balanceOf(bob), before + PRICE);
        assertEq(token.balanceOf(address(market)), 0);
        assertEq(uint256(market.getLicense(id).status), uint256(LicenseMarket.Status.Refunded));
        assertEq(market.getOffer(offerId).sold, 0);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, id));
        market.ownerOf(id);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotPending.selector, id));
        vm.prank(alice);
        market.recordDelivery(id, "bafkreix");
    }

    function test_refund_revertsBeforeTimeout() public {
        uint256 id = _buy(_offer(PRICE, 0, 0, false, false));
        uint256 deliverBy = block.timestamp + DELIVERY_TIMEOUT;
        vm.warp(deliverBy);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.DeliveryNotLate.selector, id, deliverBy));
        vm.prank(bob);
        market.refund(id);
    }

    function test_refund_revertsNotHolder() public {
        uint256 id = _buy(_offer(PRICE, 0, 0, false, false));
        vm.warp(block.timestamp + DELIVERY_TIMEOUT + 1);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotLicenseHolder.selector, id, carol));
        vm.prank(carol);
        market.refund(id);
    }

    function test_refund_revertsTwice() public {
        uint256 id = _buy(_offer(PRICE, 0, 0, false, false));
        vm.warp(block.timestamp + DELIVERY_TIMEOUT + 1);
        vm.prank(bob);
        market.refund(id);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotPending.selector, id));
        vm.prank(bob);
        market.refund(id);
    }

    // ------------------------------------------------------------------ transfers & hints
    function test_transfer_pendingReverts() public {
        uint256 id = _buy(_offer(PRICE, 0, 0, false, true));
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotTransferable.selector, id));
        vm.prank(bob);
        market.transferFrom(bob, carol, id);
    }

    function test_transfer_nonTransferableReverts() public {
        uint256 id = _buy(_offer(PRICE, 0, 0, false, false));
        _deliverAndSettle(id);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotTransferable.selector, id));
        vm.prank(bob);
        market.transferFrom(bob, carol, id);
    }

    function test_transfer_transferableMovesLicense() public {
        uint256 id = _buy(_offer(PRICE, 0, 0, true, true));
        _deliver(id);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.NotTransferable.selector, id));
        vm.prank(bob);
        market.transferFrom(bob, carol, id); // not while disputable
        vm.prank(bob);
        market.release(id);
        vm.prank(bob);
        market.transferFrom(bob, carol, id);
        assertFalse(market.isLicensed(asset, bob));
        assertTrue(market.isLicensed(asset, carol));
        assertTrue(market.canDerive(asset, carol));
        assertEq(market.licenseHint(asset, carol), id);
    }

    function test_useLicense_revertsInvalid() public {
        uint256 id = _buy(_offer(PRICE, 0, 0, false, false));
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.LicenseNotValid.selector, id));
        vm.prank(bob);
        market.useLicense(id);
        _deliver(id);
        vm.expectRevert(abi.encodeWithSelector(LicenseMarket.LicenseNotValid.selector, id));
        vm.prank(carol);
        market.useLicense(id);
    }

    function test_isLicensed_falseWithoutLicense() public view {
        assertFalse(market.isLicensed(asset, carol));
        assertFalse(market.canDerive(asset, carol));
        assertFalse(market.isValidLicense(1, carol));
    }

    function test_supportsInterface() public view {
        assertTrue(market.supportsInterface(0x80ac58cd));
        assertTrue(market.supportsInterface(type(IAccessControl).interfaceId));
    }

    // ------------------------------------------------------------------ fuzz
    /// @dev For any price and fee, delivery splits the escrow exactly: fee + revenue = price.
    function testFuzz_deliverySplitsExactly(uint96 price, uint16 fee) public {
        price = uint96(bound(price, 0, 1_000e18));
        fee = uint16(bound(fee, 0, 1_000));
        vm.prank(admin);
        market.setFee(treasury, fee);
        uint256 id = _buy(_offer(price, 0, 0, false, false));
        _deliverAndSettle(id);
        uint256 f = uint256(price) * fee / 10_000;
        assertEq(token.balanceOf(treasury), f);
        assertEq(vault.pending(asset), price - f);
        assertEq(token.balanceOf(address(market)), 0);
    }

    /// @dev Escrow ends either paid or refunded, never both, whatever the timing: before the
    ///      deadline delivery wins (settled early by the buyer or by anyone after the window);
    ///      after it, only the refund.
    function testFuzz_escrowEndsOnce(uint32 wait, bool acceptEarly) public {
        uint256 id = _buy(_offer(PRICE, 0, 0, false, false));
        vm.warp(block.timestamp + bound(wait, 0, 10 days));
        bool late = block.timestamp > market.getLicense(id).deadline;
        if (!late) {
            if (acceptEarly) {
                _deliverAndSettle(id);
            } else {
                _deliver(id);
                vm.warp(block.timestamp + market.disputeWindow() + 1);
                market.release(id);
            }
            vm.expectRevert();
            vm.prank(bob);
            market.refund(id);
            assertEq(token.balanceOf(address(vault)) + token.balanceOf(treasury), PRICE);
        } else {
            vm.expectRevert();
            _deliver(id);
            vm.prank(bob);
            market.refund(id);
            assertEq(token.balanceOf(bob), 1_000e18);
        }
        assertEq(token.balanceOf(address(market)), 0);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {LicenseMarket} from "../src/LicenseMarket.sol";
import {ILicenseChecker} from "../src/interfaces/ILicenseChecker.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

contract AssetRegistryTest is Fixture {
    address alice = makeAddr("alice");
    address bob = makeAddr("bob");
    address carol = makeAddr("carol");

    function setUp() public {
        deploySystem();
    }

    function _reg(address who, AssetRegistry.Registration memory r) internal returns (uint256) {
        vm.prank(who);
        return registry.register(r);
    }

    /// @dev bob buys a delivered license from alice's asset with the given derivatives flag.
    function _license(uint256 assetId, bool derivatives) internal returns (uint256 licenseId) {
        vm.prank(alice);
        uint256 offerId = market.createOffer(
            LicenseMarket.OfferTerms({
                assetId: assetId,
                price: 10e18,
                duration: 30 days,
                maxLicenses: 0,
                commercialUse: true,
                derivativesAllowed: derivatives,
                transferable: false
            })
        );
        fundAndApprove(bob, address(market), 10e18);
        vm.prank(bob);
        licenseId = market.buy(offerId, hex"04aa");
        vm.prank(alice);
        market.recordDelivery(licenseId, "bafkreiwrappedkey");
        vm.prank(bob);
        market.release(licenseId); // the buyer accepts the delivery: the license is settled
    }

    // ------------------------------------------------------------------ register
    function test_register_minimal() public {
        AssetRegistry.Registration memory r =
            registration(AssetRegistry.Kind.Model, new uint256[](0), 0, bytes32(0), 0);
        vm.expectEmit(address(registry));
        emit AssetRegistry.AssetRegistered(
            1,
            alice,
            AssetRegistry.Kind.Model,
            r.contentCid,
            r.metadataCid,
            r.parents,
            0,
            0,
            bytes32(0),
            0,
            "",
            address(0),
            0,
            0
        );
        uint256 id = _reg(alice, r);
        assertEq(id, 1);
        assertEq(registry.assetCount(), 1);
        assertEq(registry.ownerOf(1), alice);
        assertTrue(registry.exists(1));
        assertFalse(registry.exists(2));
        AssetRegistry.Asset memory a = registry.getAsset(1);
        assertEq(a.creator, alice);
        assertEq(uint256(a.kind), uint256(AssetRegistry.Kind.Model));
        assertEq(a.createdAt, block.timestamp);
        assertEq(a.metadataVersion, 1);
        assertEq(a.contentCid, r.contentCid);
        assertEq(a.metadataCid, r.metadataCid);
        assertEq(a.parents.length, 0);
        assertEq(registry.tokenURI(1), string.concat("ipfs://", r.metadataCid));
    }

    function test_register_withContributorsAndOwnParent() public {
        uint256 p = registerAsset(alice);
        bytes32 root = keccak256("root");
        uint256 id = _reg(alice, registration(AssetRegistry.Kind.Agent, one(p), 2_500, root, 100));
        (bytes32 r, uint256 w,,,) = registry.contributorSplit(id);
        assertEq(r, root);
        assertEq(w, 100);
        assertEq(registry.getAsset(id).contributorsCid, "bafkreicontributorstreecid");
        (uint16 bps,, uint256[] memory parents,) = registry.royaltyInfo(id);
        assertEq(bps, 2_500);
        assertEq(parents.length, 1);
        assertEq(parents[0], p);
        assertEq(registry.parentsOf(id)[0], p);
    }

    function test_register_foreignParentWithDerivativeLicense() public {
        uint256 p = registerAsset(alice);
        _license(p, true);
        assertTrue(market.canDerive(p, bob));
        uint256 id = _reg(bob, registration(AssetRegistry.Kind.Model, one(p), MIN_PARENT_BPS, 0, 0));
        assertEq(registry.ownerOf(id), bob);
    }

    function test_register_revertsForeignParentWithoutLicense() public {
        uint256 p = registerAsset(alice);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotLicensedForDerivative.selector, p));
        _reg(bob, registration(AssetRegistry.Kind.Model, one(p), MIN_PARENT_BPS, 0, 0));
    }

    function test_register_revertsLicenseWithoutDerivatives() public {
        uint256 p = registerAsset(alice);
        _license(p, false);
        assertTrue(market.isLicensed(p, bob));
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotLicensedForDerivative.selector, p));
        _reg(bob, registration(AssetRegistry.Kind.Model, one(p), MIN_PARENT_BPS, 0, 0));
    }

    function test_register_revertsExpiredLicense() public {
        uint256 p = registerAsset(alice);
        _license(p, true);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotLicensedForDerivative.selector, p));
        _reg(bob, registration(AssetRegistry.Kind.Model, one(p), MIN_PARENT_BPS, 0, 0));
    }

    function test_register_revertsWhenCheckerUnset() public {
        uint256 p = registerAsset(alice);
        vm.prank(admin);
        registry.setLicenseChecker(ILicenseChecker(address(0)));
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotLicensedForDerivative.selector, p));
        _reg(bob, registration(AssetRegistry.Kind.Model, one(p), MIN_PARENT_BPS, 0, 0));
    }

    function test_register_revertsUnknownParent() public {
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.UnknownAsset.selector, 7));
        _reg(alice, registration(AssetRegistry.Kind.Model, one(7), MIN_PARENT_BPS, 0, 0));
    }

    function test_register_revertsDuplicateParent() public {
        uint256 p = registerAsset(alice);
        uint256[] memory parents = new uint256[](2);
        parents[0] = p;
        parents[1] = p;
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.DuplicateParent.selector, p));
        _reg(alice, registration(AssetRegistry.Kind.Model, parents, MIN_PARENT_BPS, 0, 0));
    }

    function test_register_sixteenParentsOk_seventeenReverts() public {
        uint256[] memory parents = new uint256[](17);
        for (uint256 i; i < 17; ++i) parents[i] = registerAsset(alice);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.TooManyParents.selector, 17));
        _reg(alice, registration(AssetRegistry.Kind.Model, parents, MIN_PARENT_BPS, 0, 0));
        assembly {
            mstore(parents, 16)
        }
        uint256 id = _reg(alice, registration(AssetRegistry.Kind.Model, parents, MIN_PARENT_BPS, 0, 0));
        assertEq(registry.parentsOf(id).length, 16);
    }

    function test_register_revertsRoyaltyWithoutParents() public {
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.InvalidRoyaltyBps.selector, 1));
        _reg(alice, registration(AssetRegistry.Kind.Model, new uint256[](0), 1, 0, 0));
    }

    function test_register_revertsRoyaltyBelowMinimum() public {
        uint256 p = registerAsset(alice);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.InvalidRoyaltyBps.selector, MIN_PARENT_BPS - 1));
        _reg(alice, registration(AssetRegistry.Kind.Model, one(p), MIN_PARENT_BPS - 1, 0, 0));
    }

    function test_register_revertsRoyaltyAboveMax() public {
        uint256 p = registerAsset(alice);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.InvalidRoyaltyBps.selector, 10_001));
        _reg(alice, registration(AssetRegistry.Kind.Model, one(p), 10_001, 0, 0));
    }

    function test_register_revertsInvalidContributors() public {
        vm.expectRevert(AssetRegistry.InvalidContributors.selector);
        _reg(alice, registration(AssetRegistry.Kind.Model, new uint256[](0), 0, keccak256("r"), 0));
        vm.expectRevert(AssetRegistry.InvalidContributors.selector);
        _reg(alice, registration(AssetRegistry.Kind.Model, new uint256[](0), 0, bytes32(0), 5));
        vm.expectRevert(AssetRegistry.InvalidContributors.selector);
        _reg(alice, registration(AssetRegistry.Kind.Model, new uint256[](0), 0, keccak256("r"), 2 ** 64));
    }

    function test_register_revertsInvalidCids() public {
        AssetRegistry.Registration memory r = registration(AssetRegistry.Kind.Model, new uint256[](0), 0, 0, 0);
        r.contentCid = "";
        vm.expectRevert(AssetRegistry.InvalidCid.selector);
        _reg(alice, r);
        r = registration(AssetRegistry.Kind.Model, new uint256[](0), 0, 0, 0);
        r.metadataCid = string(new bytes(129));
        vm.expectRevert(AssetRegistry.InvalidCid.selector);
        _reg(alice, r);
    }

    function test_register_revertsForContractWithoutReceiver() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(vault)));
        _reg(address(vault), registration(AssetRegistry.Kind.Model, new uint256[](0), 0, 0, 0));
    }

    // ------------------------------------------------------------------ metadata
    function test_updateMetadata_byOwnerKeepsHistoryInEvents() public {
        uint256 id = registerAsset(alice);
        string memory old = registry.getAsset(id).metadataCid;
        vm.expectEmit(address(registry));
        emit AssetRegistry.MetadataUpdated(id, 2, "bafkreinew", old, alice);
        vm.expectEmit(address(registry));
        emit AssetRegistry.MetadataUpdate(id);
        vm.prank(alice);
        registry.updateMetadata(id, "bafkreinew");
        AssetRegistry.Asset memory a = registry.getAsset(id);
        assertEq(a.metadataCid, "bafkreinew");
        assertEq(a.metadataVersion, 2);
        assertEq(registry.tokenURI(id), "ipfs://bafkreinew");
    }

    function test_updateMetadata_byApprovedOperator() public {
        uint256 id = registerAsset(alice);
        vm.prank(alice);
        registry.setApprovalForAll(carol, true);
        vm.prank(carol);
        registry.updateMetadata(id, "bafkreiop");
        assertEq(registry.getAsset(id).metadataCid, "bafkreiop");
    }

    function test_updateMetadata_revertsNotAuthorized() public {
        uint256 id = registerAsset(alice);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotAuthorized.selector, id, bob));
        vm.prank(bob);
        registry.updateMetadata(id, "bafkreix");
    }

    function test_updateMetadata_revertsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 9));
        registry.updateMetadata(9, "bafkreix");
    }

    function test_updateMetadata_revertsEmptyCid() public {
        uint256 id = registerAsset(alice);
        vm.expectRevert(AssetRegistry.InvalidCid.selector);
        vm.prank(alice);
        registry.updateMetadata(id, "");
    }

    // ------------------------------------------------------------------ views
    function test_views_revertForUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        registry.getAsset(1);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        registry.parentsOf(1);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        registry.tokenURI(1);
    }

    function test_verifyContributor_andLeafHash() public {
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = leaf(alice, 5);
        leaves[1] = leaf(bob, 3);
        leaves[2] = leaf(carol, 2);
        assertEq(registry.leafHash(alice, 5), leaves[0]);
        bytes32 root = merkleRoot(leaves);
        uint256 id = _reg(alice, registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, root, 10));
        for (uint256 i; i < 3; ++i) {
            address who = i == 0 ? alice : i == 1 ? bob : carol;
            uint256 w = i == 0 ? 5 : i == 1 ? 3 : 2;
            assertTrue(registry.verifyContributor(id, who, w, merkleProof(leaves, i)));
        }
        assertFalse(registry.verifyContributor(id, bob, 4, merkleProof(leaves, 1)));
        uint256 noRoot = registerAsset(alice);
        assertFalse(registry.verifyContributor(noRoot, alice, 0, new bytes32[](0)));
    }

    function test_supportsInterface() public view {
        assertTrue(registry.supportsInterface(0x80ac58cd)); // ERC721
        assertTrue(registry.supportsInterface(0x49064906)); // ERC4906
        assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(registry.supportsInterface(0xdeadbeef));
    }

    // ------------------------------------------------------------------ admin
    function test_admin_setters() public {
        vm.expectEmit(address(registry));
        emit AssetRegistry.MinParentRoyaltySet(300);
        vm.prank(admin);
        registry.setMinParentRoyaltyBps(300);
        assertEq(registry.minParentRoyaltyBps(), 300);
        vm.expectEmit(address(registry));
        emit AssetRegistry.LicenseCheckerSet(address(0xBEEF));
        vm.prank(admin);
        registry.setLicenseChecker(ILicenseChecker(address(0xBEEF)));
        assertEq(address(registry.licenseChecker()), address(0xBEEF));
    }

    function test_admin_revertsNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, bytes32(0))
        );
        vm.prank(bob);
        registry.setMinParentRoyaltyBps(1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, bytes32(0))
        );
        vm.prank(bob);
        registry.setLicenseChecker(ILicenseChecker(address(1)));
    }

    function test_admin_revertsBpsAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.InvalidRoyaltyBps.selector, 10_001));
        vm.prank(admin);
        registry.setMinParentRoyaltyBps(10_001);
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.InvalidRoyaltyBps.selector, 10_001));
        new AssetRegistry(admin, 10_001);
    }

    // ------------------------------------------------------------------ fuzz
    /// @dev Any set of distinct existing own parents with a bps in range registers, and
    ///      royaltyInfo returns exactly what was registered.
    function testFuzz_register_parents(uint8 nParents, uint16 bps, uint256 seed) public {
        uint256 total = 20;
        for (uint256 i; i < total; ++i) registerAsset(alice);
        uint256 n = bound(nParents, 1, 16);
        bps = uint16(bound(bps, MIN_PARENT_BPS, 10_000));
        uint256[] memory parents = new uint256[](n);
        uint256 start = seed % total;
        for (uint256 i; i < n; ++i) parents[i] = (start + i) % total + 1;
        uint256 id = _reg(alice, registration(AssetRegistry.Kind.Agent, parents, bps, 0, 0));
        (uint16 gotBps,, uint256[] memory got,) = registry.royaltyInfo(id);
        assertEq(gotBps, bps);
        assertEq(got.length, n);
        for (uint256 i; i < n; ++i) assertEq(got[i], parents[i]);
    }
}
